"""The same WeChat Pay notification delivered 5× at once, through the real verification path: one effect."""
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List

import pytest

from crowdcart.payments import refunds
from crowdcart.payments.config import merchant_config
from crowdcart.payments.sandbox import (controls, deliver, refund_resource, signed_notification,
                                        transaction_resource)
from tests.fakes.orders import (load_order, make_pending_order, make_shopper, make_sku, order_events,  # noqa: F401
                                stock, wechat_sandbox)

pytestmark = [pytest.mark.concurrency, pytest.mark.usefixtures("wechat_sandbox")]


def at_once(calls: List[Callable[[], Any]]) -> List[Any]:
    """Run the calls on their own threads, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.fixture
def pending(shop):
    """A pending order of 2 × 800 fen and the shop's merchant config."""
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=800)
    order = make_pending_order(shop_id, make_shopper(shop_id), [(sku, 2)])
    return {"shop_id": shop_id, "sku": sku, "order": order, "config": merchant_config(shop_id)}


def test_one_payment_notification_five_times_at_once(pending):
    config, order = pending["config"], pending["order"]
    headers, body = signed_notification(config, "TRANSACTION.SUCCESS", transaction_resource(config, order))
    results = at_once([lambda: deliver(pending["shop_id"], headers, body) for _ in range(5)])
    assert [r["status"] for r in results] == [204] * 5
    assert sorted(r["outcome"] for r in results) == ["duplicate"] * 4 + ["paid"]
    assert load_order(pending["shop_id"], order.order_id).status == "paid"
    assert len(order_events(pending["shop_id"], order.order_id, "status:paid")) == 1
    assert len(order_events(pending["shop_id"], order.order_id)) == 2
    assert stock(pending["shop_id"], pending["sku"]) == 8


def test_the_same_payment_under_different_ids_and_keys_at_once(pending):
    config, order = pending["config"], pending["order"]
    copies = [signed_notification(config, "TRANSACTION.SUCCESS", transaction_resource(config, order),
                                  notification_id_=f"EV-{i}", key_kind="certificate" if i % 2 else "public_key")
              for i in range(5)]
    results = at_once([lambda c=c: deliver(pending["shop_id"], *c) for c in copies])
    assert [r["status"] for r in results] == [204] * 5
    assert len(order_events(pending["shop_id"], order.order_id, "status:paid")) == 1


def test_one_refund_notification_five_times_at_once(pending):
    config, order = pending["config"], pending["order"]
    deliver(pending["shop_id"], *signed_notification(config, "TRANSACTION.SUCCESS", transaction_resource(config, order)))
    controls.refund_outcome = None
    refund = refunds.request_refund(load_order(pending["shop_id"], order.order_id), 1600, "cancel", "after_sales:1",
                                    restock=True)
    paid = load_order(pending["shop_id"], order.order_id)
    headers, body = signed_notification(config, "REFUND.SUCCESS", refund_resource(config, paid, refund))
    results = at_once([lambda: deliver(pending["shop_id"], headers, body) for _ in range(5)])
    assert sorted(r["outcome"] for r in results) == ["duplicate"] * 4 + ["refund_succeeded"]
    final = load_order(pending["shop_id"], order.order_id)
    assert final.status == "refunded" and final.refunded_fen == 1600
    assert stock(pending["shop_id"], pending["sku"]) == 10
    assert len(order_events(pending["shop_id"], order.order_id, "status:refunded")) == 1
