"""Catalog writes under threads against DynamoDB Local: stock never goes negative, concurrent
product changes leave search entries and SKU copies matching the final product."""
from concurrent.futures import ThreadPoolExecutor

from crowdcart.db.models.catalog import Product, SearchEntry, Sku
from crowdcart.domain import search
from crowdcart.errors import Conflict
from functions.catalog import service


def new_product(shop_id, title="并发测试 Widget", stock=10, skus=1):
    rows = [{"spec": f"s{i}", "price_fen": 1000 + i, "stock": stock} for i in range(skus)]
    return service.create_product(shop_id, {"title": title}, rows)


def test_concurrent_decrements_stop_exactly_at_zero(shop):
    shop_id = shop["shop_id"]
    sku_id = new_product(shop_id, stock=10)["skus"][0]["id"]

    def take(_):
        try:
            service.change_stock(shop_id, sku_id, None, -1, None)
            return True
        except Conflict:
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(take, range(25)))
    assert outcomes.count(True) == 10
    assert Sku.get(*Sku.key(shop_id, sku_id), consistent_read=True).stock == 0


def test_concurrent_title_and_price_changes_stay_consistent(shop):
    shop_id = shop["shop_id"]
    created = new_product(shop_id, skus=3)
    product_id, sku_ids = created["id"], [s["id"] for s in created["skus"]]
    titles = ["蓝牙耳机 Alpha", "Bluetooth Speaker Beta", "无线充电器 Gamma", "LED 台灯 Delta"]

    def retitle(title):
        service.update_product(shop_id, product_id, {"title": title, "on_shelf": title != titles[1]})

    def reprice(index):
        service.update_sku(shop_id, sku_ids[index % 3], 500 + index, None)

    with ThreadPoolExecutor(max_workers=8) as pool:
        jobs = [pool.submit(retitle, t) for t in titles] + [pool.submit(reprice, i) for i in range(6)]
        for job in jobs:
            job.result()

    product = Product.get(*Product.key(shop_id, product_id), consistent_read=True)
    assert product.title in titles
    indexed = {e.PK.rsplit("#", 1)[1] for token in set().union(*(search.index_tokens(t) for t in titles))
               for e in SearchEntry.query(SearchEntry.partition(shop_id, token), consistent_read=True)
               if e.product_id == product_id}
    assert indexed == set(search.index_tokens(product.title))
    skus = [Sku.get(*Sku.key(shop_id, k), consistent_read=True) for k in sku_ids]
    assert {(s.product_title, s.on_shelf) for s in skus} == {(product.title, product.on_shelf)}
    assert product.min_price_fen == min(s.price_fen for s in skus)
