"""PynamoDB entities of the single table, one module per area; each computes its own keys."""
