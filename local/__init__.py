"""The local runner: DynamoDB Local, tables, seed data and the HTTP server on one machine."""
