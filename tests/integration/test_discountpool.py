"""Shareable discounts after payment over the API and the real table stream: a paid order that matches the
shop's rule gets one pool; friends (and the buyer) claim one voucher each up to its size; the vouchers are
coupons checkout accepts; pools expire and close on a whole refund."""
import uuid

import pytest

from crowdcart.clock import now
from crowdcart.db.models.discount_pools import DiscountPool, pool_id_for
from crowdcart.db.orders import get_order
from crowdcart.reactions import discount_pools
from crowdcart.rewards import coupons
from tests.fakes.catalog import make_sku
from tests.fakes.stream import drain, replay
from tests.integration.test_order_lifecycle import ADDRESS, mark_paid, place

RULES = "/admin/v1/discount-pool-rules"


def rule(api, shop, **changes):
    body = {"name": "分享立减金", "min_paid_fen": 500, "pool_size": 3, "amount_off_fen": 300, **changes}
    reply = api.post(RULES, body, token=shop["api_key"])
    assert reply.status == 201, reply.body
    return reply.body["id"]


def paid_order(api, shop, shopper, price_fen=1000):
    order = place(api, shopper, make_sku(shop["shop_id"], stock=5, price_fen=price_fen))
    mark_paid(shop["shop_id"], order["id"])
    drain(shop["shop_id"])
    return order["id"]


def friends(api, shop, count, prefix="friend"):
    return [api.login(shop["shop_id"], f"{prefix}-{i}") for i in range(count)]


def claim(api, who, pool_id):
    return api.post(f"/v1/discount-pools/{pool_id}/claims", token=who["token"])


def test_a_paid_order_gets_one_pool_and_friends_claim_up_to_its_size(api, shop, shopper):
    rule_id = rule(api, shop)
    order_id = paid_order(api, shop, shopper)
    pool = api.get(f"/v1/orders/{order_id}/discount-pool", token=shopper["token"])
    assert pool.status == 200, pool.body
    pool = pool.body
    assert (pool["status"], pool["size"], pool["left"], pool["amount_off_fen"]) == ("open", 3, 3, 300)
    assert pool["mine"] and pool["order_id"] == order_id and pool["share"]["path"].endswith(pool["id"])
    first, second, third = friends(api, shop, 3)
    granted = claim(api, first, pool["id"])
    assert granted.status == 201 and granted.body["is_new"] and granted.body["amount_off_fen"] == 300
    again = claim(api, first, pool["id"])
    assert again.status == 409 and again.body["error"]["code"] == "already_claimed"
    assert claim(api, shopper, pool["id"]).status == 201  # the buyer takes one too (counts toward the size)
    assert claim(api, second, pool["id"]).status == 201
    out = claim(api, third, pool["id"])
    assert out.status == 409 and out.body["error"]["code"] == "discount_pool_claimed_out"
    seen = api.get(f"/v1/discount-pools/{pool['id']}", token=third["token"]).body
    assert seen["status"] == "claimed_out" and seen["claimed"] == 3 and seen["order_id"] is None
    assert [c["user_id"] for c in seen["claimers"]] == [first["user_id"], shopper["user_id"], second["user_id"]]
    coupon = coupons.get_coupon(shop["shop_id"], first["user_id"], granted.body["coupon_id"], consistent=True)
    assert coupon.rule["kind"] == "no_threshold" and coupon.rule["amount_off_fen"] == 300
    assert coupon.template_id == rule_id and coupon.valid_until - coupon.valid_from == 7 * 86400
    replay(shop["shop_id"])  # a redelivered stream creates no second pool and counts nothing twice
    merchant = api.get(f"{RULES}/{rule_id}", token=shop["api_key"]).body
    assert merchant["pools_created"] == 1
    pools = api.get(f"{RULES}/{rule_id}/pools", token=shop["api_key"]).body["items"]
    assert [p["id"] for p in pools] == [pool["id"]]
    assert [p["id"] for p in api.get("/v1/me/discount-pools", token=shopper["token"]).body["items"]] == [pool["id"]]
    stats = api.get(f"/admin/v1/campaigns/discount_pool/{rule_id}/stats", token=shop["api_key"]).body
    assert stats["participants"] == 3 and stats["new_users"] == 2  # buyer + two new friends


def test_a_claimed_voucher_pays_part_of_the_friends_next_order(api, shop, shopper):
    rule(api, shop, min_spend_fen=800, amount_off_fen=300)
    order_id = paid_order(api, shop, shopper)
    pool_id = api.get(f"/v1/orders/{order_id}/discount-pool", token=shopper["token"]).body["id"]
    (friend,) = friends(api, shop, 1)
    coupon_id = claim(api, friend, pool_id).body["coupon_id"]
    sku = make_sku(shop["shop_id"], stock=5, price_fen=1000)
    reply = api.post("/v1/orders", {"items": [{"sku_id": sku, "quantity": 1}], "coupon_id": coupon_id,
                                    "delivery": {"type": "express", "address": ADDRESS}},
                     token=friend["token"], headers={"Idempotency-Key": str(uuid.uuid4())})
    assert reply.status == 201, reply.body
    assert reply.body["discount_fen"] >= 300 and reply.body["coupon_id"] == coupon_id


def test_small_orders_get_no_pool_and_the_most_demanding_matching_rule_wins(api, shop, shopper):
    rule(api, shop, min_paid_fen=500, pool_size=3)
    big = rule(api, shop, min_paid_fen=2000, pool_size=8, amount_off_fen=500)
    rule(api, shop, min_paid_fen=10000, pool_size=20)
    small = paid_order(api, shop, shopper, price_fen=300)
    none = api.get(f"/v1/orders/{small}/discount-pool", token=shopper["token"])
    assert none.status == 404 and none.body["error"]["code"] == "discount_pool_not_found"
    large = paid_order(api, shop, shopper, price_fen=5000)
    pool = api.get(f"/v1/orders/{large}/discount-pool", token=shopper["token"]).body
    assert pool["rule_id"] == big and pool["size"] == 8 and pool["amount_off_fen"] == 500


def test_pools_refuse_the_buyer_when_the_rule_says_so_expire_and_close_on_refund(api, shop, shopper):
    rule(api, shop, buyer_may_claim=False)
    order_id = paid_order(api, shop, shopper)
    pool_id = pool_id_for(shop["shop_id"], order_id)
    own = claim(api, shopper, pool_id)
    assert own.status == 409 and own.body["error"]["code"] == "discount_pool_own"
    first, second = friends(api, shop, 2)
    assert claim(api, first, pool_id).status == 201
    order = get_order(shop["shop_id"], order_id, consistent=True)
    before = {"shop_id": shop["shop_id"], "order_id": order_id, "user_id": order.user_id, "status": "refunding"}
    discount_pools.order_discount_pool(before, dict(before, status="refunded"), now())
    closed = claim(api, second, pool_id)
    assert closed.status == 409 and closed.body["error"]["code"] == "discount_pool_closed"
    assert not discount_pools.close_pool(shop["shop_id"], order_id)  # once
    assert coupons.find_coupon(shop["shop_id"], first["user_id"],
                               coupons.coupon_id_for(shop["shop_id"], first["user_id"], f"discount_pool:{pool_id}"))
    other_order = paid_order(api, shop, shopper)
    other_pool = pool_id_for(shop["shop_id"], other_order)
    DiscountPool(*DiscountPool.key(shop["shop_id"], other_pool)).update(actions=[DiscountPool.expires_at.set(now() - 1)])
    expired = claim(api, second, other_pool)
    assert expired.status == 409 and expired.body["error"]["code"] == "discount_pool_expired"


def test_ended_rules_create_no_pools(api, shop, shopper):
    rule_id = rule(api, shop)
    ended = api.post(f"{RULES}/{rule_id}/end", token=shop["api_key"])
    assert ended.status == 200 and ended.body["status"] == "ended"
    assert api.post(f"{RULES}/{rule_id}/end", token=shop["api_key"]).status == 409
    order_id = paid_order(api, shop, shopper)
    assert api.get(f"/v1/orders/{order_id}/discount-pool", token=shopper["token"]).status == 404
    assert [r["id"] for r in api.get(RULES, token=shop["api_key"]).body["items"]] == [rule_id]


@pytest.mark.parametrize("change, field", [
    ({"min_spend_fen": 100}, "amount_off_fen"),
    ({"product_ids": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]}, "product_ids"),
    ({"pool_size": 0}, "pool_size"),
    ({"template_id": "x"}, "template_id"),
])
def test_impossible_rules_are_422_naming_the_field(api, shop, change, field):
    body = {"name": "x", "pool_size": 3, "amount_off_fen": 300, **change}
    reply = api.post(RULES, body, token=shop["api_key"])
    assert reply.status == 422 and reply.body["error"]["field"].startswith(field), reply.body


def test_another_shop_cannot_reach_this_shops_pools(api, shop, shopper, platform_key):
    rule_id = rule(api, shop)
    order_id = paid_order(api, shop, shopper)
    pool_id = pool_id_for(shop["shop_id"], order_id)
    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    stranger = api.login(other["shop_id"], "mallory")
    assert api.get(f"/v1/discount-pools/{pool_id}", token=stranger["token"]).status == 404
    assert claim(api, stranger, pool_id).status == 404
    assert api.get(f"/v1/orders/{order_id}/discount-pool", token=stranger["token"]).status == 404
    assert api.get(f"{RULES}/{rule_id}", token=other["api_key"]).status == 404
    assert api.get(f"{RULES}/{rule_id}/pools", token=other["api_key"]).status == 404
    (friend,) = friends(api, shop, 1)
    assert api.get(f"/v1/orders/{order_id}/discount-pool", token=friend["token"]).status == 404  # not the buyer's
