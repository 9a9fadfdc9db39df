"""The core refund function, REFUND.* notifications, and retries with the same out_refund_no."""
from unittest import mock

import pytest

from crowdcart.db.orders import transition
from crowdcart.errors import Conflict, Unprocessable
from crowdcart.payments import gateway, refunds
from crowdcart.payments.config import merchant_config
from crowdcart.payments.sandbox import (controls, deliver, notify_refund, pay_order, refund_resource,
                                        signed_notification)
from tests.fakes.orders import (load_order, make_pending_order, make_sku, order_events, stock,  # noqa: F401
                                wechat_sandbox)

pytestmark = pytest.mark.usefixtures("wechat_sandbox")


@pytest.fixture
def paid(shop, shopper):
    """A paid order: 2 × 1,500 (SKU a) + 1 × 700 (SKU b) = 3,700 fen; stock left a=8, b=4."""
    shop_id = shop["shop_id"]
    a, b = make_sku(shop_id, stock=10, price_fen=1500), make_sku(shop_id, stock=5, price_fen=700)
    order = make_pending_order(shop_id, shopper["user_id"], [(a, 2), (b, 1)])
    assert pay_order(order)["notification"]["outcome"] == "paid"
    return {"shop_id": shop_id, "a": a, "b": b, "order": load_order(shop_id, order.order_id)}


def _order(paid):
    return load_order(paid["shop_id"], paid["order"].order_id)


def test_full_refund_with_restock(paid):
    refund = refunds.request_refund(paid["order"], 3700, "out of stock", "after_sales:1", restock=True)
    assert refund.status == "succeeded" and refund.attempts == 1
    order = _order(paid)
    assert order.status == "refunded" and order.refunded_fen == 3700 and order.status_before_refund is None
    assert stock(paid["shop_id"], paid["a"]) == 10 and stock(paid["shop_id"], paid["b"]) == 5
    kinds = [e.type for e in order_events(paid["shop_id"], order.order_id)]
    assert kinds == ["created", "status:paid", "status:refunding", "status:refunded"]


def test_partial_refunds_return_the_order_to_its_state(paid):
    first = refunds.request_refund(paid["order"], 700, "broken cup", "after_sales:1",
                                   lines=[{"sku_id": paid["b"], "quantity": 1}], restock=True)
    assert first.lines == [{"sku_id": paid["b"], "quantity": 1}] and first.restock == first.lines
    order = _order(paid)
    assert order.status == "paid" and order.refunded_fen == 700
    assert stock(paid["shop_id"], paid["b"]) == 5 and stock(paid["shop_id"], paid["a"]) == 8
    with pytest.raises(Unprocessable):
        refunds.request_refund(order, 3001, "too much", "after_sales:2")
    second = refunds.request_refund(order, 3000, "rest", "after_sales:2")
    assert second.out_refund_no != first.out_refund_no
    order = _order(paid)
    assert order.status == "refunded" and order.refunded_fen == 3700
    assert stock(paid["shop_id"], paid["a"]) == 8


def test_the_same_cause_never_refunds_twice(paid):
    first = refunds.request_refund(paid["order"], 1000, "late delivery", "compensation")
    again = refunds.request_refund(paid["order"], 1000, "late delivery", "compensation")
    assert again.out_refund_no == first.out_refund_no and again.status == "succeeded"
    assert controls.refund_calls == [first.out_refund_no]
    assert len(refunds.refunds_of(paid["shop_id"], paid["order"].order_id)) == 1
    assert _order(paid).refunded_fen == 1000


def test_a_failed_call_is_retried_with_the_same_out_refund_no(paid):
    controls.failing_refund_calls = 2
    refund = refunds.request_refund(paid["order"], 3700, "group failed", "group_failed")
    assert refund.status == "requested" and refund.attempts == 1 and refund.last_error == "SYSTEM_ERROR"
    assert refund.DUEPK == refunds.REFUND_DUE
    assert _order(paid).status == "refunding"
    retried = refunds.request_refund(paid["order"], 3700, "group failed", "group_failed")
    assert retried.status == "requested" and retried.attempts == 2
    due_at = int(retried.DUESK[:10])
    with mock.patch("crowdcart.payments.refunds.now", return_value=due_at - 1):
        assert refunds.retry_due() == 0
    with mock.patch("crowdcart.payments.refunds.now", return_value=due_at + 1):
        assert refunds.retry_due() == 1
    final = refunds.get_refund(paid["shop_id"], paid["order"].order_id, refund.out_refund_no)
    assert final.status == "succeeded" and final.attempts == 3 and final.DUEPK is None and final.last_error is None
    assert controls.refund_calls == [refund.out_refund_no] * 3
    assert len(refunds.refunds_of(paid["shop_id"], paid["order"].order_id)) == 1
    assert _order(paid).status == "refunded"


class _Refusing:
    def prepay(self, *args):
        raise AssertionError("not used")

    def refund(self, *args):
        raise gateway.GatewayError("INVALID_REQUEST", "refund window closed", retryable=False)


def test_a_refused_refund_is_closed_and_the_order_goes_back(paid):
    with gateway.using(_Refusing()):
        refund = refunds.request_refund(paid["order"], 500, "goodwill", "goodwill")
    assert refund.status == "closed" and refund.last_error == "INVALID_REQUEST" and refund.DUEPK is None
    order = _order(paid)
    assert order.status == "paid" and order.refunded_fen == 0


def test_refund_notification_delivered_twice_applies_once(paid):
    controls.refund_outcome = None
    refund = refunds.request_refund(paid["order"], 3700, "cancel", "after_sales:1", restock=True)
    assert refund.status == "requested" and _order(paid).status == "refunding"
    config = merchant_config(paid["shop_id"])
    order = _order(paid)
    headers, body = signed_notification(config, "REFUND.SUCCESS", refund_resource(config, order, refund))
    assert deliver(paid["shop_id"], headers, body) == {"status": 204, "outcome": "refund_succeeded"}
    assert deliver(paid["shop_id"], headers, body) == {"status": 204, "outcome": "duplicate"}
    assert notify_refund(order, refund.out_refund_no)["notification"]["outcome"] == "duplicate"
    order = _order(paid)
    assert order.status == "refunded" and order.refunded_fen == 3700
    assert stock(paid["shop_id"], paid["a"]) == 10 and stock(paid["shop_id"], paid["b"]) == 5
    assert len(order_events(paid["shop_id"], order.order_id, "status:refunded")) == 1


def test_refund_notifications_must_match_our_refund(paid):
    controls.refund_outcome = None
    refund = refunds.request_refund(paid["order"], 1000, "part", "after_sales:1")
    config, order = merchant_config(paid["shop_id"]), _order(paid)
    wrong_amount = refund_resource(config, order, refund, amount_fen=1001)
    assert deliver(paid["shop_id"], *signed_notification(config, "REFUND.SUCCESS", wrong_amount))["status"] == 400
    unknown = dict(refund_resource(config, order, refund), out_refund_no="NOPE")
    assert deliver(paid["shop_id"], *signed_notification(config, "REFUND.SUCCESS", unknown))["status"] == 404
    mismatch = refund_resource(config, order, refund, status="CLOSED")
    assert deliver(paid["shop_id"], *signed_notification(config, "REFUND.SUCCESS", mismatch))["status"] == 400
    assert _order(paid).status == "refunding" and _order(paid).refunded_fen == 0


@pytest.mark.parametrize("status, outcome", [("ABNORMAL", "abnormal"), ("CLOSED", "closed")])
def test_abnormal_or_closed_refunds_are_recorded_and_the_order_goes_back(api, shop, paid, status, outcome):
    controls.refund_outcome = None
    refund = refunds.request_refund(paid["order"], 3700, "cancel", "after_sales:1", restock=True)
    reply = api.post(f"/sandbox/wechatpay/orders/{paid['order'].order_id}/refunds/{refund.out_refund_no}/notify",
                     {"status": status}, token=shop["api_key"])
    assert reply.status == 200 and reply.body["notification"] == {"status": 204, "outcome": f"refund_{outcome}"}
    order = _order(paid)
    assert order.status == "paid" and order.refunded_fen == 0
    assert stock(paid["shop_id"], paid["a"]) == 8
    listed = api.get(f"/admin/v1/orders/{order.order_id}/refunds", token=shop["api_key"]).body["items"]
    assert [(r["out_refund_no"], r["status"]) for r in listed] == [(refund.out_refund_no, outcome)]


def test_what_cannot_be_refunded(paid, shop, shopper):
    pending = make_pending_order(shop["shop_id"], shopper["user_id"], [(paid["a"], 1)])
    with pytest.raises(Conflict) as caught:
        refunds.request_refund(pending, 100, "x", "x")
    assert caught.value.code == "order_not_paid"
    controls.refund_outcome = None
    refunds.request_refund(paid["order"], 100, "first", "first")
    with pytest.raises(Conflict) as caught:
        refunds.request_refund(paid["order"], 100, "second", "second")
    assert caught.value.code == "refund_in_progress"
    with pytest.raises(Unprocessable):
        refunds.request_refund(paid["order"], 100, "x", "lines", lines=[{"sku_id": paid["a"], "quantity": 3}])


def test_shipped_goods_are_not_restocked(paid):
    order = paid["order"]
    transition(order, ["paid"], "shipped", "merchant", actions=[type(order).shipped_at.set(1)])
    with pytest.raises(Conflict) as caught:
        refunds.request_refund(order, 3700, "return", "after_sales:1", restock=True)
    assert caught.value.code == "already_shipped"
    refund = refunds.request_refund(order, 1500, "return", "after_sales:1")
    assert refund.status == "succeeded"
    final = _order(paid)
    assert final.status == "shipped" and final.refunded_fen == 1500 and stock(paid["shop_id"], paid["a"]) == 8
