"""Test factories for catalog rows (what the catalog capability writes), for tests of other capabilities."""
from crowdcart.clock import now
from crowdcart.db.models.catalog import Product, Sku
from crowdcart.db.models.stores import Store
from crowdcart.ids import new_id


def make_sku(shop_id: str, stock: int = 10, price_fen: int = 1000, on_shelf: bool = True,
             category_id: str = None, kind: str = "physical") -> str:
    """A product with one SKU; returns the SKU id."""
    product_id, sku_id = new_id(), new_id()
    Product(*Product.key(shop_id, product_id), product_id=product_id, title=f"Product {product_id[-4:]}",
            category_id=category_id, kind=kind, on_shelf=on_shelf, sku_ids=[sku_id], min_price_fen=price_fen,
            created_at=now()).save()
    Sku(*Sku.key(shop_id, sku_id), sku_id=sku_id, product_id=product_id, product_title=f"Product {product_id[-4:]}",
        category_id=category_id, kind=kind, spec="default", price_fen=price_fen, stock=stock,
        on_shelf=on_shelf).save()
    return sku_id


def sku_stock(shop_id: str, sku_id: str) -> int:
    """The SKU's stock, read consistently."""
    return Sku.get(*Sku.key(shop_id, sku_id), consistent_read=True).stock


def make_store(shop_id: str, pickup_enabled: bool = True, active: bool = True) -> str:
    """A store at People's Square, Shanghai; returns its id."""
    store_id = new_id()
    Store(*Store.key(shop_id, store_id), store_id=store_id, name="People's Square", lat=31.2304, lng=121.4737,
          address="People's Square, Shanghai", pickup_enabled=pickup_enabled, active=active).save()
    return store_id
