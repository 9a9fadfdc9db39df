"""Reviews capability: one review per received order line, product review lists, merchant replies."""
