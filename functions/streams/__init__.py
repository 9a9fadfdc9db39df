"""Streams capability: the table's DynamoDB stream consumer, running the core's reactions."""
