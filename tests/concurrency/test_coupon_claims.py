"""Coupons under contention, against DynamoDB Local: exact counts for claims and for one coupon at checkout."""
from collections import Counter

import pytest

from crowdcart.db.models.coupons import ClaimCounter, Coupon, CouponTemplate
from crowdcart.errors import Conflict, ServiceUnavailable
from functions.checkout.service import place_order
from functions.coupons import service
from tests.concurrency.conftest import make_shoppers, race
from tests.fakes.catalog import make_sku, sku_stock
from tests.fakes.rewards import EXPRESS

pytestmark = pytest.mark.concurrency


def _template(shop_id, quota, per_user_limit=1, **extra):
    body = {"name": "抢券", "kind": "amount_off", "amount_off_fen": 500, "min_spend_fen": 1000, "quota": quota,
            "per_user_limit": per_user_limit, "valid_days_after_claim": 7}
    body.update(extra)
    return service.create_template(shop_id, body)["id"]


def test_quota_100_with_500_shoppers_claiming_3_times_each_issues_exactly_100(shop):
    shop_id = shop["shop_id"]
    template_id = _template(shop_id, quota=100)
    users = make_shoppers(shop_id, 500)
    calls = [lambda u=u: service.claim(shop_id, u, template_id, None) for u in users for _ in range(3)]
    results = race(calls, threads=75)  # 25 shoppers × 3 claims released together per round
    issued = [r for r in results if isinstance(r, dict)]
    refused = Counter(r.code for r in results if isinstance(r, Conflict))
    unexpected = [r for r in results if not isinstance(r, (dict, Conflict, ServiceUnavailable))]
    assert unexpected == []
    assert len(issued) == 100
    assert set(refused) <= {"coupon_sold_out", "coupon_limit_reached"}
    coupons = list(Coupon.gsi2.query(Coupon.template_partition(shop_id, template_id)))
    assert len(coupons) == 100 and len({c.user_id for c in coupons}) == 100  # nobody over the limit of 1
    template = CouponTemplate.get(*CouponTemplate.key(shop_id, template_id), consistent_read=True)
    assert (template.remaining, template.issued) == (0, 100)
    counters = list(ClaimCounter.batch_get([ClaimCounter.key(shop_id, u, template_id) for u in users]))
    assert sum(int(c.claimed) for c in counters) == 100 and max(int(c.claimed) for c in counters) == 1


def test_a_per_user_limit_of_2_holds_under_10_parallel_claims(shop):
    shop_id = shop["shop_id"]
    template_id = _template(shop_id, quota=1000, per_user_limit=2)
    (user,) = make_shoppers(shop_id, 1)
    results = race([lambda: service.claim(shop_id, user, template_id, None) for _ in range(10)])
    assert sum(isinstance(r, dict) for r in results) == 2
    assert {r.code for r in results if isinstance(r, Exception)} == {"coupon_limit_reached"}


def _checkout(shop_id, user, sku, key, coupon_id=None, points=0):
    body = {"items": [{"sku_id": sku, "quantity": 1}], "coupon_id": coupon_id, "points_to_use": points,
            "activity": None, "delivery": EXPRESS, "note": ""}
    return place_order(shop_id, user, key, body)


def test_one_coupon_in_20_parallel_checkouts_pays_for_exactly_one_order(shop):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=50, price_fen=3000)
    (user,) = make_shoppers(shop_id, 1)
    coupon_id = service.claim(shop_id, user, _template(shop_id, quota=1), None)["coupon_id"]
    results = race([lambda k=k: _checkout(shop_id, user, sku, f"key-{k}", coupon_id) for k in range(20)])
    orders = [r[0] for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert [r for r in results if not isinstance(r, (tuple, Conflict))] == []
    assert len(orders) == 1 and orders[0]["coupon_id"] == coupon_id and orders[0]["discount_fen"] == 500
    assert {r.code for r in refused} <= {"coupon_unavailable", "coupon_used"} and len(refused) == 19
    coupon = Coupon.get(*Coupon.key(shop_id, user, coupon_id), consistent_read=True)
    assert coupon.status == "used" and coupon.used_order_id == orders[0]["id"]
    assert sku_stock(shop_id, sku) == 49  # the refused checkouts took no stock
