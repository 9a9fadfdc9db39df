"""Analytics capability: campaign counters for merchants, share counting for shoppers."""
