"""Notifications capability: the shopper's subscribe-message inbox."""
