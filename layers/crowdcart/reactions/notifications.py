"""Order notifications: each status change a shopper cares about becomes one stored message.

Idempotent by cause (`order:<id>:<status>`), so a redelivered stream record does not notify twice.
Delivery goes through an adapter: locally it is stored only; in AWS the WeChat subscribe-message
adapter sends it.
"""
from typing import Any, Dict, Optional

from crowdcart.clock import now
from crowdcart.db.models.notifications import Notification, notes_pk
from crowdcart.db.writes import ConditionFailed, put_unique
from crowdcart.reactions.stream import on

TEMPLATES = {
    "paid": ("order_paid", "Payment received"),
    "shipped": ("order_shipped", "Your order is on its way"),
    "received": ("order_received", "Order received"),
    "cancelled": ("order_cancelled", "Order cancelled"),
    "refunded": ("order_refunded", "Refund completed"),
}


def notify(shop_id: str, user_id: str, template: str, title: str, cause: str, data: Dict[str, Any],
           at: Optional[int] = None) -> bool:
    """Store a notification once per (time, cause); returns False when it already existed.

    `at` comes from the stream record, so a redelivered record names the same item."""
    moment = at or now()
    note = Notification(notes_pk(shop_id, user_id), f"NOTE#{moment * 1000:013d}#{cause}", template=template,
                        title=title, data=data, cause=cause, created_at=moment, delivery="stored")
    try:
        put_unique("notification", note)
    except ConditionFailed:
        return False
    return True


@on("order")
def order_changed(old: Optional[Dict[str, Any]], new: Optional[Dict[str, Any]], at: int) -> None:
    """Notify the shopper when their order reaches a state they care about (once per status)."""
    if not new or (old and old.get("status") == new.get("status")):
        return
    status = new["status"]
    if status not in TEMPLATES:
        return
    template, title = TEMPLATES[status]
    notify(new["shop_id"], new["user_id"], template, title, f"order:{new['order_id']}:{status}",
           {"order_id": new["order_id"], "status": status, "payable_fen": int(new.get("payable_fen", 0))},
           at=at or None)
