"""Membership and the rewards of an order's receipt and refunds, driven by the real table stream."""
import pytest

from crowdcart.db.models.shops import Shopper
from crowdcart.payments import refunds
from crowdcart.payments.sandbox import pay_order
from crowdcart.rewards import points
from tests.fakes import rewards
from tests.fakes.catalog import make_sku
from tests.fakes.orders import load_order, wechat_sandbox  # noqa: F401
from tests.fakes.stream import drain, replay

pytestmark = pytest.mark.usefixtures("wechat_sandbox")
LEVELS = [
    {"level": 1, "name": "银卡", "min_spent_fen": 10000, "discount_percent": 5, "points_multiplier_percent": 150},
    {"level": 2, "name": "金卡", "min_spent_fen": 30000, "discount_percent": 10, "points_multiplier_percent": 200},
]


def membership(api, shopper):
    reply = api.get("/v1/me/membership", token=shopper["token"])
    assert reply.status == 200, reply.body
    return reply.body


def buy(api, shop, shopper, price_fen, quantity=1, coupon_id=None, points_to_use=0, receive=True):
    """Order, pay through the sandbox, and (by default) ship and confirm receipt; returns the order id."""
    sku = make_sku(shop["shop_id"], stock=50, price_fen=price_fen)
    placed = rewards.order(api, shopper, sku, quantity=quantity, coupon_id=coupon_id, points_to_use=points_to_use)
    assert placed.status == 201, placed.body
    order = load_order(shop["shop_id"], placed.body["id"])
    assert pay_order(order)["notification"]["outcome"] == "paid"
    if receive:
        rewards.ship_and_receive(api, shop, shopper, order.order_id)
    return order.order_id


@pytest.fixture
def tiers(api, shop):
    return rewards.settings(api, shop, member_levels=LEVELS, points_per_yuan=1)


def test_receipt_counts_spend_levels_up_and_credits_points_once(api, shop, shopper, tiers):
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    start = membership(api, shopper)
    assert (start["level"], start["total_spent_fen"], start["next_level"]["gap_fen"]) == (0, 0, 10000)
    order_id = buy(api, shop, shopper, 12000)
    assert points.balance(shop_id, user_id) == 0  # paid is not enough: points come at receipt
    drain(shop_id)
    after = membership(api, shopper)
    assert (after["level"], after["level_name"], after["total_spent_fen"]) == (1, "银卡", 12000)
    assert after["discount_percent"] == 5
    assert after["next_level"] == {"level": 2, "name": "金卡", "min_spent_fen": 30000, "discount_percent": 10,
                                   "gap_fen": 18000}
    assert points.balance(shop_id, user_id, True) == 120  # base level multiplier for this order
    replay(shop_id)  # the same received order again credits nothing
    assert points.balance(shop_id, user_id, True) == 120 and membership(api, shopper)["total_spent_fen"] == 12000
    assert Shopper.get(*Shopper.key(shop_id, user_id)).member_discount_percent == 5

    second = buy(api, shop, shopper, 10000)  # 5% member discount now: pays 9,500
    drain(shop_id)
    assert points.balance(shop_id, user_id, True) == 120 + 142  # 95 yuan × 1.5
    assert membership(api, shopper)["total_spent_fen"] == 21500
    ledger = {e.cause: int(e.points) for e in points.all_entries(shop_id, user_id)}
    assert ledger == {f"order:{order_id}:earn": 120, f"order:{second}:earn": 142}
    assert api.get(f"/admin/v1/members/{user_id}", token=shop["api_key"]).body["level"] == 1


def test_partial_refund_takes_back_points_and_spend_and_whole_refund_returns_coupon_and_points(api, shop, shopper,
                                                                                              tiers):
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    rewards.settings(api, shop, points_per_yuan_cash=100, points_cash_percent_cap=50)
    rewards.grant_points(shop_id, user_id, 1000, cause="test:grant")
    tpl = rewards.template(api, shop, amount_off_fen=1000, min_spend_fen=5000)
    coupon_id = rewards.claim(api, shopper, tpl["id"]).body["coupon_id"]
    order_id = buy(api, shop, shopper, 20000, coupon_id=coupon_id, points_to_use=1000)  # pays 200 − 10 − 10 = 180
    drain(shop_id)
    assert membership(api, shopper)["total_spent_fen"] == 18000 and points.balance(shop_id, user_id, True) == 180

    order = load_order(shop_id, order_id)
    refunds.request_refund(order, 6000, "one broken", "after_sales:1")
    drain(shop_id)
    assert load_order(shop_id, order_id).status == "received"
    assert membership(api, shopper)["total_spent_fen"] == 12000
    assert points.balance(shop_id, user_id, True) == 120  # 60 points taken back
    assert api.get("/v1/me/coupons?status=used", token=shopper["token"]).body["items"][0]["id"] == coupon_id

    refunds.request_refund(load_order(shop_id, order_id), 12000, "all of it", "after_sales:2")
    drain(shop_id)
    replay(shop_id)
    assert load_order(shop_id, order_id).status == "refunded"
    after = membership(api, shopper)
    assert (after["total_spent_fen"], after["level"], after["discount_percent"]) == (0, 0, 0)
    assert points.balance(shop_id, user_id, True) == 1000  # earned all taken back; the 1,000 spent returned
    assert [c["id"] for c in api.get("/v1/me/coupons", token=shopper["token"]).body["items"]] == [coupon_id]
    assert rewards.ledger_sum(shop_id, user_id) == 1000


def test_reversal_never_drives_the_balance_below_zero(api, shop, shopper, tiers):
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    order_id = buy(api, shop, shopper, 10000)
    drain(shop_id)
    assert points.balance(shop_id, user_id, True) == 100
    tpl = rewards.template(api, shop, points_cost=80)
    assert api.post("/v1/me/points/exchanges", {"template_id": tpl["id"]}, token=shopper["token"]).status == 201
    refunds.request_refund(load_order(shop_id, order_id), 10000, "all", "after_sales:1")
    drain(shop_id)
    assert points.balance(shop_id, user_id, True) == 0 == rewards.ledger_sum(shop_id, user_id)
    reversal = points.get_entry(shop_id, user_id, f"order:{order_id}:refund:10000")
    assert int(reversal.points) == -20 and reversal.data["shortfall"] == 80


def test_refund_before_receipt_is_netted_out_of_the_credit(api, shop, shopper, tiers):
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    order_id = buy(api, shop, shopper, 15000, receive=False)
    refunds.request_refund(load_order(shop_id, order_id), 5000, "part", "after_sales:1")
    drain(shop_id)
    assert points.balance(shop_id, user_id, True) == 0 and membership(api, shopper)["total_spent_fen"] == 0
    rewards.ship_and_receive(api, shop, shopper, order_id)
    drain(shop_id)
    replay(shop_id)
    assert points.balance(shop_id, user_id, True) == 100 and membership(api, shopper)["total_spent_fen"] == 10000


def test_level_coupons_are_issued_once_per_level_reached(api, shop, shopper):
    silver = rewards.template(api, shop, name="银卡券", public=False)
    gold = rewards.template(api, shop, name="金卡券", public=False)
    levels = [dict(LEVELS[0], coupon_template_ids=[silver["id"]]), dict(LEVELS[1], coupon_template_ids=[gold["id"]])]
    rewards.settings(api, shop, member_levels=levels)
    shop_id = shop["shop_id"]
    buy(api, shop, shopper, 35000)  # straight to gold: both levels' coupons
    drain(shop_id)
    wallet = sorted(c["name"] for c in api.get("/v1/me/coupons", token=shopper["token"]).body["items"])
    assert wallet == ["金卡券", "银卡券"]
    replay(shop_id)
    assert len(api.get("/v1/me/coupons", token=shopper["token"]).body["items"]) == 2


@pytest.mark.parametrize("impossible", ["1990-02-30", "2999-13-45", "2999-01-01", "1899-12-31", "2023-02-29"])
def test_an_impossible_birthday_is_refused_naming_the_field_and_can_still_be_set(api, shopper, impossible):
    refused = api.patch("/v1/me", {"birthday": impossible}, token=shopper["token"])
    assert refused.status == 422, refused.body
    assert refused.body["error"]["code"] == "validation_error" and refused.body["error"]["field"] == "birthday"
    assert api.get("/v1/me", token=shopper["token"]).body["birthday"] is None
    accepted = api.patch("/v1/me", {"birthday": "2000-02-29"}, token=shopper["token"])
    assert accepted.status == 200 and accepted.body["birthday"] == "2000-02-29"
