"""Catalog entities: categories, products and SKUs (a SKU is its own partition so checkout reads it by id)."""
from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


class Category(Entity, discriminator="category"):
    """A category (two levels: a root has no parent)."""

    category_id = UnicodeAttribute()
    name = UnicodeAttribute()
    parent_id = UnicodeAttribute(null=True)
    sort = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, category_id: str) -> tuple:
        """(PK, SK): every category lives in the shop's category partition."""
        return keys.scoped(shop_id, "CATEGORIES"), f"CATEGORY#{category_id}"


class Product(Entity, discriminator="product"):
    """A product; `sku_ids` lists its SKUs, which hold price and stock."""

    product_id = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    images = ListAttribute(of=UnicodeAttribute, default=list)
    category_id = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(default="physical")  # physical | voucher
    on_shelf = BooleanAttribute(default=True)
    virtual_sales = NumberAttribute(default=0)
    sku_ids = ListAttribute(of=UnicodeAttribute, default=list)
    min_price_fen = NumberAttribute(default=0)
    created_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, product_id: str) -> tuple:
        """(PK, SK) of a product."""
        return keys.scoped(shop_id, "PRODUCT", product_id), "PRODUCT"


class Sku(Entity, discriminator="sku"):
    """A sellable variant: price and stock. Stock only moves by conditional writes (never below 0)."""

    sku_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    product_title = UnicodeAttribute()
    category_id = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(default="physical")
    spec = UnicodeAttribute()
    price_fen = NumberAttribute()
    stock = NumberAttribute(default=0)
    sales = NumberAttribute(default=0)
    on_shelf = BooleanAttribute(default=True)
    image = UnicodeAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, sku_id: str) -> tuple:
        """(PK, SK) of a SKU."""
        return keys.scoped(shop_id, "SKU", sku_id), "SKU"
