"""Discount-pool claims under contention, against DynamoDB Local: exact counts."""
import pytest

from crowdcart.clock import now
from crowdcart.db.connection import Entity
from crowdcart.db.models.discount_pools import DiscountClaim, DiscountPool, pool_pk
from crowdcart.errors import Conflict
from crowdcart.ids import new_id
from crowdcart.reactions.discount_pools import create_pool
from crowdcart.rewards import coupons
from functions.discountpool import service
from tests.concurrency.conftest import make_shoppers, race

pytestmark = pytest.mark.concurrency


def make_pool(shop_id, buyer, size):
    service.create_rule(shop_id, {"name": "立减金", "description": "", "min_paid_fen": 0, "pool_size": size,
                                  "pool_seconds": 3600, "buyer_may_claim": True, "amount_off_fen": 200,
                                  "min_spend_fen": 0, "product_ids": [], "coupon_valid_days": 7,
                                  "starts_at": None, "ends_at": None})
    order = {"shop_id": shop_id, "order_id": new_id(), "user_id": buyer, "payable_fen": 1000, "paid_at": now()}
    return create_pool(order)


def test_50_friends_claiming_a_pool_of_10_get_exactly_10_vouchers(shop):
    shop_id = shop["shop_id"]
    (buyer,) = make_shoppers(shop_id, 1)
    pool_id = make_pool(shop_id, buyer, 10)
    claimers = make_shoppers(shop_id, 50)
    results = race([lambda u=u: service.claim(shop_id, pool_id, u) for u in claimers])
    granted = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert [r for r in results if not isinstance(r, (dict, Conflict))] == []
    assert len(granted) == 10 and len(refused) == 40
    assert {r.code for r in refused} == {"discount_pool_claimed_out"}
    items = list(Entity.query(pool_pk(shop_id, pool_id), consistent_read=True))
    pool = next(i for i in items if isinstance(i, DiscountPool))
    claims = [i for i in items if isinstance(i, DiscountClaim)]
    assert int(pool.claimed) == 10 and len(claims) == 10
    held = [u for u in claimers
            if coupons.find_coupon(shop_id, u, coupons.coupon_id_for(shop_id, u, f"discount_pool:{pool_id}"))]
    assert len(held) == 10 and set(held) == {c.user_id for c in claims}


def test_one_friend_claiming_ten_times_at_once_gets_one_voucher(shop):
    shop_id = shop["shop_id"]
    buyer, friend = make_shoppers(shop_id, 2)
    pool_id = make_pool(shop_id, buyer, 5)
    results = race([lambda: service.claim(shop_id, pool_id, friend) for _ in range(10)])
    assert sum(isinstance(r, dict) for r in results) == 1
    assert {r.code for r in results if isinstance(r, Conflict)} == {"already_claimed"}
    assert len({r["coupon_id"] for r in results if isinstance(r, dict)}) == 1
