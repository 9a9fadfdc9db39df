"""Shops capability: the platform creates shops; merchants manage settings and staff keys."""
