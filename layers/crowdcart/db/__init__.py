"""Data access: the single table, keys, PynamoDB models, repositories and transactions."""
