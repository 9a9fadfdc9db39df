"""2,000 flash-sale attempts for 100 units against DynamoDB Local, with sharding off and on:
exactly 100 orders, nobody with two, no shard below zero, and the counters agree."""
import time
from collections import Counter

import pytest

from crowdcart.clock import now
from crowdcart.db.connection import Entity
from crowdcart.db.models.campaigns import FlashBuyer, FlashShard
from crowdcart.db.models.orders import Order
from crowdcart.errors import Conflict, ServiceUnavailable
from functions.checkout.service import place_order
from functions.flashsale import service
from tests.concurrency.conftest import make_shoppers, race
from tests.fakes.catalog import make_sku, sku_stock

pytestmark = pytest.mark.concurrency
EXPRESS = {"type": "express", "address": {"name": "A", "phone": "13800138000", "province": "P", "city": "C",
                                          "district": "", "detail": "D"}}


def new_sale(shop_id, stock, shards, **overrides):
    sku = make_sku(shop_id, stock=stock + 50, price_fen=5_000)
    fields = {"sku_id": sku, "price_fen": 990, "stock": stock, "per_user_limit": 1, "starts_at": now() - 5,
              "ends_at": now() + 3600, "shards": shards, "rate_window_seconds": 60, "rate_per_user": 50,
              "rate_per_ip": 5_000, **overrides}
    return sku, service.create_sale(shop_id, fields)["id"]


def attempt(shop_id, user_id, key, sku, sale_id, ip):
    """One shopper's tap on "buy": a 503 (another buyer took that shard's last unit) is retried,
    with the same key, as the mini-program does; anything else is the answer."""
    body = {"items": [{"sku_id": sku, "quantity": 1}], "coupon_id": None, "points_to_use": 0,
            "activity": {"type": "flash_sale", "id": sale_id}, "delivery": EXPRESS, "note": ""}
    for _ in range(30):
        try:
            return place_order(shop_id, user_id, key, body, source_ip=ip)
        except ServiceUnavailable:
            time.sleep(0.01)
    raise AssertionError("still busy after 30 tries")


@pytest.mark.parametrize("shards", [1, 8], ids=["one-counter", "8-shards"])
def test_2000_attempts_for_100_units_make_exactly_100_orders(shop, shards):
    shop_id = shop["shop_id"]
    sku, sale_id = new_sale(shop_id, stock=100, shards=shards)
    users = make_shoppers(shop_id, 1000)
    calls = [lambda u=u, n=n, i=i: attempt(shop_id, u, f"tap-{n}", sku, sale_id, f"10.0.{i % 40}.{i % 250}")
             for i, (u, n) in enumerate((u, n) for n in range(2) for u in users)]
    results = race(calls, threads=16)
    orders = [r[0] for r in results if isinstance(r, tuple)]
    refused = Counter(r.code for r in results if isinstance(r, Conflict))
    assert [r for r in results if not isinstance(r, (tuple, Conflict))] == []
    assert len(results) == 2000 and len(orders) == 100
    assert set(refused) <= {"flash_sale_sold_out", "flash_sale_limit_reached"}
    per_user = Counter(o["user_id"] for o in orders)
    assert max(per_user.values()) == 1
    levels = [s.stock for s in Entity.batch_get([FlashShard.key(shop_id, sale_id, i) for i in range(shards)],
                                               consistent_read=True)]
    assert len(levels) == shards and min(levels) == 0 and sum(levels) == 0
    stored = [o for o in Order.gsi3.query(f"SHOP#{shop_id}#ORDERS")]
    assert len(stored) == 100 and all(o.activity["id"] == sale_id and o.payable_fen >= 990 for o in stored)
    buyers = Entity.batch_get([FlashBuyer.key(shop_id, sale_id, u) for u in per_user], consistent_read=True)
    assert sorted(b.bought for b in buyers) == [1] * 100
    assert sku_stock(shop_id, sku) == 50  # the SKU kept what was not carved out, untouched by the sale


def test_cancels_during_the_rush_resell_the_units_and_never_oversell(shop):
    shop_id = shop["shop_id"]
    sku, sale_id = new_sale(shop_id, stock=20, shards=4)
    first = make_shoppers(shop_id, 20)
    placed = race([lambda u=u: attempt(shop_id, u, "a", sku, sale_id, "10.1.0.1") for u in first], threads=20)
    assert all(isinstance(r, tuple) for r in placed)
    from crowdcart.db.orders import cancel_unpaid, get_order

    second = make_shoppers(shop_id, 60)
    cancels = [lambda o=r[0]: cancel_unpaid(get_order(shop_id, o["id"]), "test", "rush") for r in placed[:10]]
    buys = [lambda u=u: attempt(shop_id, u, "b", sku, sale_id, "10.1.0.2") for u in second]
    results = race(cancels + buys, threads=14)  # 70 calls: whole waves of the barrier
    assert all(r is None for r in results[:10])
    bought = [r for r in results[10:] if isinstance(r, tuple)]
    assert all(isinstance(r, (tuple, Conflict)) for r in results[10:])
    levels = [s.stock for s in Entity.batch_get([FlashShard.key(shop_id, sale_id, i) for i in range(4)],
                                               consistent_read=True)]
    assert min(levels) >= 0
    assert 20 - 10 + len(bought) + sum(levels) == 20  # every unit is either in an open order or in a shard
    assert len(bought) <= 10
