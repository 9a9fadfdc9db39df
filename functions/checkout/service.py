"""Checkout's service is the core's order placement (crowdcart.purchase.checkout), which group buys share."""
from crowdcart.purchase.checkout import order_id_for, place_order, request_hash

__all__ = ["order_id_for", "place_order", "request_hash"]
