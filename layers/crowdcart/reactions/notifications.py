"""Order notifications: each status change a shopper cares about becomes one message.

Stored once per cause (`order:<id>:<status>`, with the stream record's time), so a redelivered
record does not notify twice; then delivered through crowdcart.reactions.subscribe_messages
(stored only locally; WeChat subscribe messages in AWS) and the delivery status recorded.
"""
from typing import Any, Dict, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.notifications import Notification, notes_pk
from crowdcart.db.models.shops import Shop, Shopper
from crowdcart.db.writes import ConditionFailed, put_unique, update_if
from crowdcart.reactions.stream import on
from crowdcart.reactions.subscribe_messages import Sender, sender
from crowdcart.settings import get_settings

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
                        title=title, data=data, cause=cause, created_at=moment, delivery="pending")
    try:
        put_unique("notification", note)
    except ConditionFailed:
        if Notification.get(note.PK, note.SK, consistent_read=True).delivery != "pending":
            return False  # stored and delivered before: a redelivered record
    deliver(shop_id, user_id, note, sender(get_settings().wechat_mode))
    return True


def deliver(shop_id: str, user_id: str, note: Notification, via: Sender) -> str:
    """Send a stored notification and record how it went (a ServiceUnavailable propagates: retried)."""
    try:
        shop, profile = Shop.get(*Shop.key(shop_id)), Shopper.get(*Shopper.key(shop_id, user_id))
    except DoesNotExist:
        status = "failed"
    else:
        status = via.send(shop.wechat or {}, profile.openid, note.template, note.data)
    update_if("notification", note, [Notification.delivery.set(status)])
    return status


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
