"""A shopper's cart: a header counting lines, and one item per SKU line (same partition)."""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


def cart_pk(shop_id: str, user_id: str) -> str:
    """Partition of one shopper's cart."""
    return keys.scoped(shop_id, "USER", user_id, "CART")


class CartHeader(Entity, discriminator="cart_header"):
    """Counts the cart's lines so the line limit is a condition, not a read."""

    line_count = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, user_id: str) -> tuple:
        """(PK, SK) of the header."""
        return cart_pk(shop_id, user_id), "HEADER"


class CartLine(Entity, discriminator="cart_line"):
    """One SKU in the cart with its quantity."""

    sku_id = UnicodeAttribute()
    quantity = NumberAttribute()
    added_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, user_id: str, sku_id: str) -> tuple:
        """(PK, SK) of a line."""
        return cart_pk(shop_id, user_id), f"LINE#{sku_id}"
