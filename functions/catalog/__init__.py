"""Catalog capability: categories, products with SKUs, stock and price, shelf browsing and keyword search."""
