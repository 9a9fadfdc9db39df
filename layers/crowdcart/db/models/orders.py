"""Orders, their event history, refunds and payment-notification markers.

An order's partition `SHOP#s#ORDER#oid` holds the order (SK `ORDER`), its events
(`EVENT#<ulid>`), its refunds (`REFUND#<out_refund_no>`) and its reviews.
"""
from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


def order_pk(shop_id: str, order_id: str) -> str:
    """Partition of one order."""
    return keys.scoped(shop_id, "ORDER", order_id)


class Order(Entity, discriminator="order"):
    """An order: lines and priced breakdown are frozen at checkout; status moves conditionally.

    Indexes: GSI1 = the shopper's orders, GSI2 = the shop's orders by status,
    GSI3 = all the shop's orders, DUE = the next deadline (pay timeout, auto-receipt).
    """

    order_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    status = UnicodeAttribute()
    lines = JSONAttribute()
    pricing = JSONAttribute()
    goods_fen = NumberAttribute()
    discount_fen = NumberAttribute()
    shipping_fen = NumberAttribute(default=0)
    payable_fen = NumberAttribute()
    delivery = JSONAttribute()
    coupon_id = UnicodeAttribute(null=True)
    points_used = NumberAttribute(default=0)
    activity = JSONAttribute(null=True)
    request_hash = UnicodeAttribute()
    created_at = NumberAttribute()
    pay_deadline_at = NumberAttribute()
    paid_at = NumberAttribute(null=True)
    transaction_id = UnicodeAttribute(null=True)
    shipped_at = NumberAttribute(null=True)
    shipment = JSONAttribute(null=True)
    receive_deadline_at = NumberAttribute(null=True)
    received_at = NumberAttribute(null=True)
    completed_at = NumberAttribute(null=True)
    cancelled_at = NumberAttribute(null=True)
    cancel_reason = UnicodeAttribute(null=True)
    refunded_fen = NumberAttribute(default=0)
    pickup_code = UnicodeAttribute(null=True)
    pickup_verified_at = NumberAttribute(null=True)
    status_before_refund = UnicodeAttribute(null=True)
    ship_hold = BooleanAttribute(null=True)  # set while an activity forbids shipping yet (a group not formed)
    open_after_sale = UnicodeAttribute(null=True)  # the one after-sale request awaiting the merchant

    @classmethod
    def key(cls, shop_id: str, order_id: str) -> tuple:
        """(PK, SK) of an order."""
        return order_pk(shop_id, order_id), "ORDER"

    @staticmethod
    def list_sort(created_at: int, order_id: str) -> str:
        """The sort key of every order list: creation time, then the order id (ids derive from a hash)."""
        return f"ORDER#{int(created_at):010d}#{order_id}"

    @classmethod
    def index_keys(cls, shop_id: str, user_id: str, order_id: str, status: str, created_at: int) -> dict:
        """The GSI key attributes for an order in `status` (lists sort newest first by `list_sort`)."""
        sort = cls.list_sort(created_at, order_id)
        return {
            "GSI1PK": keys.scoped(shop_id, "USER", user_id, "ORDERS"), "GSI1SK": sort,
            "GSI2PK": keys.scoped(shop_id, "ORDERS", "STATUS", status), "GSI2SK": sort,
            "GSI3PK": keys.scoped(shop_id, "ORDERS"), "GSI3SK": sort,
        }


class OrderEvent(Entity, discriminator="order_event"):
    """One entry of an order's history (what merchant and shopper see)."""

    order_id = UnicodeAttribute()
    type = UnicodeAttribute()
    from_status = UnicodeAttribute(null=True)
    to_status = UnicodeAttribute(null=True)
    actor = UnicodeAttribute()
    at = NumberAttribute()
    data = JSONAttribute(null=True)


class Refund(Entity, discriminator="refund"):
    """A refund of (part of) an order, keyed by its deterministic out_refund_no."""

    order_id = UnicodeAttribute()
    out_refund_no = UnicodeAttribute()
    amount_fen = NumberAttribute()
    reason = UnicodeAttribute()
    status = UnicodeAttribute()  # requested | succeeded | abnormal | closed
    lines = JSONAttribute(null=True)
    restock = JSONAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    attempts = NumberAttribute(default=0)
    last_error = UnicodeAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, order_id: str, out_refund_no: str) -> tuple:
        """(PK, SK) of a refund."""
        return order_pk(shop_id, order_id), f"REFUND#{out_refund_no}"


class PickupCode(Entity, discriminator="pickup_code"):
    """The code a shopper shows in store; verified once by the merchant."""

    order_id = UnicodeAttribute()
    verified_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, code: str) -> tuple:
        """(PK, SK) of a pickup code."""
        return keys.scoped(shop_id, "PICKUP", code), "PICKUP"


class AfterSale(Entity, discriminator="after_sale"):
    """A shopper's refund request on an order (all or some lines), decided by the merchant."""

    after_sale_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    status = UnicodeAttribute()  # requested | approved | rejected
    reason = UnicodeAttribute()
    photos = JSONAttribute(default=list)
    lines = JSONAttribute(null=True)
    amount_fen = NumberAttribute()
    created_at = NumberAttribute()
    decided_at = NumberAttribute(null=True)
    decision_note = UnicodeAttribute(null=True)
    out_refund_no = UnicodeAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, after_sale_id: str) -> tuple:
        """(PK, SK) of an after-sale request."""
        return keys.scoped(shop_id, "AFTERSALE", after_sale_id), "AFTERSALE"

    @staticmethod
    def list_sort(created_at: int, after_sale_id: str) -> str:
        """The sort key of both request lists: the request's time, then its id."""
        return f"AFTERSALE#{int(created_at):010d}#{after_sale_id}"

    @classmethod
    def index_keys(cls, shop_id: str, order_id: str, status: str, created_at: int, after_sale_id: str) -> dict:
        """GSI1 = the order's requests; GSI2 = the shop's requests by status; both newest first by time."""
        sort = cls.list_sort(created_at, after_sale_id)
        return {"GSI1PK": keys.scoped(shop_id, "ORDER", order_id, "AFTERSALES"), "GSI1SK": sort,
                "GSI2PK": keys.scoped(shop_id, "AFTERSALES", status), "GSI2SK": sort}
