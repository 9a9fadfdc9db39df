"""Payment webhook against the pay-timeout sweeper, 100 races: every order ends paid, or cancelled and
refunded exactly once — never both, never neither — and stock matches."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from crowdcart.db.orders import cancel_unpaid
from crowdcart.errors import Conflict
from crowdcart.payments.config import merchant_config
from crowdcart.payments.refunds import refunds_of
from crowdcart.payments.sandbox import controls, deliver, signed_notification, transaction_resource
from tests.fakes.orders import load_order, make_pending_order, make_shopper, make_sku, stock, wechat_sandbox  # noqa: F401

pytestmark = [pytest.mark.concurrency, pytest.mark.usefixtures("wechat_sandbox")]

TRIALS = 100
PARALLEL = 4  # races run four at a time; each race is its own pair of threads behind one barrier


def _race(shop_id, order, notification):
    barrier = threading.Barrier(2)
    outcome = {}

    def webhook():
        barrier.wait(timeout=30)
        outcome["webhook"] = deliver(shop_id, *notification)

    def sweeper():
        barrier.wait(timeout=30)
        try:
            cancel_unpaid(order, "sweeper", "pay_timeout", only_if_due=True)
            outcome["sweeper"] = "cancelled"
        except Conflict:
            outcome["sweeper"] = "lost"

    threads = [threading.Thread(target=webhook), threading.Thread(target=sweeper)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcome


def test_pay_versus_timeout(shop):
    shop_id = shop["shop_id"]
    config = merchant_config(shop_id)
    sku = make_sku(shop_id, stock=TRIALS, price_fen=300)
    user = make_shopper(shop_id)
    orders = [make_pending_order(shop_id, user, [(sku, 1)], deadline_in=-1) for _ in range(TRIALS)]
    notifications = [signed_notification(config, "TRANSACTION.SUCCESS", transaction_resource(config, o))
                     for o in orders]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(lambda pair: _race(shop_id, *pair), zip(orders, notifications)))

    paid = cancelled = 0
    for order, outcome in zip(orders, outcomes):
        final = load_order(shop_id, order.order_id)
        found = refunds_of(shop_id, order.order_id)
        assert outcome["webhook"]["status"] == 204, outcome
        if final.status == "paid":
            paid += 1
            assert outcome == {"webhook": {"status": 204, "outcome": "paid"}, "sweeper": "lost"}
            assert found == [] and final.refunded_fen == 0
        else:
            cancelled += 1
            assert final.status == "cancelled" and outcome["sweeper"] == "cancelled"
            assert outcome["webhook"]["outcome"] == "late_payment_refund_requested"
            assert len(found) == 1 and found[0].status == "succeeded" and found[0].amount_fen == 300
            assert final.refunded_fen == 300 and final.transaction_id
    assert paid + cancelled == TRIALS
    assert stock(shop_id, sku) == TRIALS - paid
    assert len(controls.refund_calls) == cancelled == len(set(controls.refund_calls))
