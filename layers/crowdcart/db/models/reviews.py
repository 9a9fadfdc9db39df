"""Product reviews: one per order line, listed per product."""
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


class Review(Entity, discriminator="review"):
    """A shopper's review of one order line; GSI1 lists a product's reviews, newest first."""

    review_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    rating = NumberAttribute()
    text = UnicodeAttribute(default="")
    photos = JSONAttribute(default=list)
    created_at = NumberAttribute()
    reply = UnicodeAttribute(null=True)
    replied_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, review_id: str) -> tuple:
        """(PK, SK) of a review."""
        return keys.scoped(shop_id, "REVIEW", review_id), "REVIEW"

    @staticmethod
    def product_partition(shop_id: str, product_id: str) -> str:
        """GSI1 partition of a product's reviews."""
        return keys.scoped(shop_id, "PRODUCT", product_id, "REVIEWS")
