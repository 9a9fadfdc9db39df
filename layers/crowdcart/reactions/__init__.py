"""Side effects of state changes, driven by the table's stream (never inside the request)."""
