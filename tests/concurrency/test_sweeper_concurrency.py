"""Two sweepers (and the shopper) racing to cancel the same unpaid orders: each is cancelled once."""
import pytest

from crowdcart.db.models.orders import OrderEvent
from crowdcart.db.models.orders import order_pk
from crowdcart.db.orders import cancel_unpaid, get_order
from functions.checkout.service import place_order
from functions.orders import service
from tests.concurrency.conftest import make_shoppers, race
from tests.concurrency.test_checkout_concurrency import body
from tests.fakes.catalog import make_sku, sku_stock

pytestmark = pytest.mark.concurrency


def test_racing_sweepers_and_shoppers_cancel_each_order_exactly_once(shop):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=100)
    users = make_shoppers(shop_id, 30)
    orders = [place_order(shop_id, u, "k", body(sku, 2))[0] for u in users]
    assert sku_stock(shop_id, sku) == 40
    deadline = max(o["pay_deadline_at"] for o in orders) + 1

    def shopper_cancels(order):
        return lambda: cancel_unpaid(get_order(shop_id, order["id"]), f"user:{order['user_id']}", "shopper")

    calls = [lambda: service.sweep_pay_timeouts(moment=deadline, limit=100_000) for _ in range(3)]
    calls += [shopper_cancels(o) for o in orders[:10]]
    race(calls)
    for order in orders:
        stored = get_order(shop_id, order["id"], consistent=True)
        assert stored.status == "cancelled"
        events = list(OrderEvent.query(order_pk(shop_id, order["id"]), OrderEvent.SK.startswith("EVENT#")))
        assert [e.to_status for e in events].count("cancelled") == 1
    assert sku_stock(shop_id, sku) == 100
