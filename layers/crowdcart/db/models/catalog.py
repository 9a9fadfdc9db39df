"""Catalog entities: categories, products, SKUs and search entries.

A SKU is its own partition so checkout reads it by id. A product is listed through its
index keys (`Product.index_keys`): GSI1 = every product of the shop, GSI2 = its category,
GSI3 = its category's root; the sort key starts `ON#` or `OFF#`, so shoppers read the
on-shelf slice with `begins_with`. Search entries live in one partition per title token.
"""
from typing import Dict, Optional

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
    updated_at = NumberAttribute(null=True)
    version = NumberAttribute(default=0)  # optimistic lock for changes that span several items

    @classmethod
    def key(cls, shop_id: str, product_id: str) -> tuple:
        """(PK, SK) of a product."""
        return keys.scoped(shop_id, "PRODUCT", product_id), "PRODUCT"

    @staticmethod
    def index_keys(shop_id: str, product_id: str, on_shelf: bool, category_id: Optional[str],
                   root_category_id: Optional[str]) -> Dict[str, Optional[str]]:
        """GSI keys: the shop's list, the category's list and the root category's list (None = absent)."""
        sort = f"{'ON' if on_shelf else 'OFF'}#{product_id}"
        by_category = keys.scoped(shop_id, "PRODUCTS", "CATEGORY", category_id) if category_id else None
        by_root = keys.scoped(shop_id, "PRODUCTS", "CATEGORY", root_category_id) if root_category_id else None
        return {"GSI1PK": keys.scoped(shop_id, "PRODUCTS"), "GSI1SK": sort,
                "GSI2PK": by_category, "GSI2SK": sort if by_category else None,
                "GSI3PK": by_root, "GSI3SK": sort if by_root else None}

    @staticmethod
    def list_partition(shop_id: str, category_id: Optional[str] = None) -> str:
        """The index partition of all products, or of one category's products."""
        if category_id:
            return keys.scoped(shop_id, "PRODUCTS", "CATEGORY", category_id)
        return keys.scoped(shop_id, "PRODUCTS")


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


class SearchEntry(Entity, discriminator="search_entry"):
    """One title token of one product (see crowdcart.domain.search); written with the product's title."""

    product_id = UnicodeAttribute()
    title = UnicodeAttribute()

    @classmethod
    def key(cls, shop_id: str, token: str, product_id: str) -> tuple:
        """(PK, SK): the token's partition, one entry per product."""
        return cls.partition(shop_id, token), f"PRODUCT#{product_id}"

    @staticmethod
    def partition(shop_id: str, token: str) -> str:
        """The partition holding every product whose title has `token`."""
        return keys.scoped(shop_id, "SEARCH", token)
