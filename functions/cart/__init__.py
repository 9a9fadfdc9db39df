"""Cart capability: a shopper's cart with live prices, stock and totals."""
