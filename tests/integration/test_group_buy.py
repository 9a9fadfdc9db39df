"""Group buying over HTTP against DynamoDB Local, with the real group timer (moto's ASL engine, our handlers)."""
import pytest

from crowdcart.db.orders import get_order
from crowdcart.payments.refunds import refunds_of
from tests.fakes.catalog import make_sku, sku_stock
from tests.fakes.orders import wechat_sandbox  # noqa: F401
from tests.statemachines.support import (create_activity, group, join, open_group, paid, pay,  # noqa: F401
                                         ready_to_pay, settled, sfn)

pytestmark = pytest.mark.usefixtures("wechat_sandbox")


def test_open_join_pay_forms_the_group_and_orders_are_ready_to_ship(api, shop, shopper, sfn):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    activity = create_activity(api, shop, sku, group_price_fen=600, group_size=2, duration_seconds=30)
    opened = open_group(api, shopper, activity)
    friend = api.login(shop_id, "friend")
    joined = join(api, friend, opened["group_id"])
    assert joined.status == 201, joined.body
    assert sku_stock(shop_id, sku) == 8
    assert pay(shop_id, opened["order_id"])["notification"]["outcome"] == "paid"
    assert group(shop_id, opened["group_id"]).status == "open"
    assert get_order(shop_id, opened["order_id"], consistent=True).ship_hold is True  # paid, group not formed
    assert pay(shop_id, joined.body["order_id"])["notification"]["outcome"] == "paid"
    card = api.get(f"/v1/groups/{opened['group_id']}", token=friend["token"]).body
    assert card["status"] == "formed" and card["size"] == 2 and card["seats_left"] == 0
    assert [m["role"] for m in card["members"]] == ["leader", "member"] and all(m["paid"] for m in card["members"])
    for order_id, who in ((opened["order_id"], shopper), (joined.body["order_id"], friend)):
        order = api.get(f"/v1/orders/{order_id}", token=who["token"]).body
        assert order["status"] == "paid" and order["payable_fen"] == 600
        assert order["activity"]["group_status"] == "formed" and order["activity"]["ship_ready"] is True
        assert get_order(shop_id, order_id, consistent=True).ship_hold is None


def test_a_group_that_does_not_form_fails_refunds_paid_cancels_unpaid_and_refunds_a_late_payment(api, shop, shopper,
                                                                                                   sfn):
    shop_id = shop["shop_id"]
    ready_to_pay(shop_id)
    friend = api.login(shop_id, "friend")
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    activity = create_activity(api, shop, sku, group_price_fen=700, group_size=3, duration_seconds=4)
    opened = open_group(api, shopper, activity)
    joined = join(api, friend, opened["group_id"]).body
    paid(shop_id, opened["order_id"])
    assert settled(sfn, opened["group_id"])["status"] == "SUCCEEDED"

    card = api.get(f"/v1/groups/{opened['group_id']}", token=shopper["token"]).body
    assert card["status"] == "failed"
    leader_order = api.get(f"/v1/orders/{opened['order_id']}", token=shopper["token"]).body
    assert leader_order["status"] == "refunded" and leader_order["refunded_fen"] == 700
    [refund] = refunds_of(shop_id, opened["order_id"])
    assert refund.status == "succeeded" and refund.amount_fen == 700
    unpaid = api.get(f"/v1/orders/{joined['order_id']}", token=friend["token"]).body
    assert unpaid["status"] == "cancelled"
    assert sku_stock(shop_id, sku) == 10  # the cancelled seat's unit and the refunded one are back

    late = pay(shop_id, joined["order_id"])  # the friend pays after the group failed
    assert late["notification"]["outcome"] == "late_payment_refund_requested"
    again = pay(shop_id, joined["order_id"])  # WeChat delivers it again
    assert again["notification"]["outcome"] == "duplicate"
    [late_refund] = refunds_of(shop_id, joined["order_id"])
    assert late_refund.status == "succeeded" and late_refund.amount_fen == 700
    merchant_view = api.get(f"/admin/v1/groups/{opened['group_id']}", token=shop["api_key"]).body
    leader = next(m for m in merchant_view["members"] if m["role"] == "leader")
    assert leader["refund_status"] == "succeeded" and leader["refund_no"] == refund.out_refund_no


def test_group_lists_are_newest_first_across_pages(api, shop, sfn, monkeypatch):
    """Group ids derive from the leader's order id (a hash): lists sort by opening time instead."""
    from crowdcart.purchase import checkout
    from tests.integration.test_order_lifecycle import _pages

    shop_id, start = shop["shop_id"], checkout.now()
    sku = make_sku(shop_id, stock=50)
    activity = create_activity(api, shop, sku, group_size=3)
    joiner, opened, joined = api.login(shop_id, "joiner"), [], []
    for i in range(5):
        monkeypatch.setattr(checkout, "now", lambda i=i: start + 30 * i)
        opened.append(open_group(api, api.login(shop_id, f"leader{i}"), activity)["group_id"])
        other = open_group(api, api.login(shop_id, f"other{i}"), create_activity(api, shop, sku, group_size=3))
        assert join(api, joiner, other["group_id"]).status == 201  # one seat per activity and shopper
        joined.append(other["group_id"])
    assert _pages(api, f"/admin/v1/group-buys/{activity}/groups", shop["api_key"]) == opened[::-1]
    assert _pages(api, "/v1/me/groups", joiner["token"]) == joined[::-1]
