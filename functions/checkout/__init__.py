"""Checkout capability: one read batch and one transaction turn items into a pending order."""
