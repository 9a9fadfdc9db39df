"""Checkout under contention, against DynamoDB Local: exact counts, never below zero."""
import pytest

from crowdcart.db.models.orders import Order
from crowdcart.errors import Conflict
from functions.checkout.service import place_order
from tests.concurrency.conftest import make_shoppers, race
from tests.fakes.catalog import make_sku, sku_stock

pytestmark = pytest.mark.concurrency
EXPRESS = {"type": "express", "address": {"name": "A", "phone": "13800138000", "province": "P", "city": "C",
                                          "district": "", "detail": "D"}}


def body(sku_id, quantity=1):
    return {"items": [{"sku_id": sku_id, "quantity": quantity}], "coupon_id": None, "points_to_use": 0,
            "activity": None, "delivery": EXPRESS, "note": ""}


def test_200_buyers_for_50_in_stock_make_exactly_50_orders(shop):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=50)
    users = make_shoppers(shop_id, 200)
    results = race([lambda u=u: place_order(shop_id, u, f"key-{u}", body(sku)) for u in users], threads=200)
    orders = [r for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, Conflict)]
    unexpected = [r for r in results if not isinstance(r, (tuple, Conflict))]
    assert unexpected == []
    assert len(orders) == 50 and len(refused) == 150
    assert all(r.code == "insufficient_stock" for r in refused)
    assert sku_stock(shop_id, sku) == 0
    stored = list(Order.gsi3.query(f"SHOP#{shop_id}#ORDERS"))
    assert len(stored) == 50 and len({o.user_id for o in stored}) == 50


def test_50_parallel_retries_with_one_key_make_one_order(shop):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=100)
    (user,) = make_shoppers(shop_id, 1)
    results = race([lambda: place_order(shop_id, user, "same-key", body(sku, 2)) for _ in range(50)])
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    assert len({r[0]["id"] for r in results}) == 1
    assert sku_stock(shop_id, sku) == 98
    assert len(list(Order.gsi3.query(f"SHOP#{shop_id}#ORDERS"))) == 1
