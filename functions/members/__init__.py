"""Members capability: the shopper's level, spend and the gap to the next level."""
