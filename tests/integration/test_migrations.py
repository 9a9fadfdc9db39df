"""Data migrations against DynamoDB Local: lists keyed by a derived id are re-keyed by time, once."""
from crowdcart.db import migrations
from crowdcart.db.models.orders import Order
from tests.fakes.orders import load_order, make_pending_order, make_shopper
from tests.fakes.catalog import make_sku
from tests.integration.test_order_lifecycle import _pages


def _old_layout(order):
    """Put the order's list sort keys back the way wave 1 wrote them (`ORDER#<id>`)."""
    old = f"ORDER#{order.order_id}"
    order.update(actions=[Order.GSI1SK.set(old), Order.GSI2SK.set(old), Order.GSI3SK.set(old)])


def test_old_order_sort_keys_are_rewritten_by_time_once(api, shop):
    shop_id = shop["shop_id"]
    user, sku = make_shopper(shop_id), make_sku(shop_id, stock=10)
    orders = [make_pending_order(shop_id, user, [(sku, 1)]) for _ in range(4)]
    for order in orders:
        _old_layout(order)
    assert migrations.list_sort_keys_by_time() >= 4
    for order in orders:
        assert load_order(shop_id, order.order_id).GSI3SK == Order.list_sort(order.created_at, order.order_id)
    assert migrations.list_sort_keys_by_time() == 0  # nothing left in the old layout
    newest = [o.order_id for o in sorted(orders, key=lambda o: (o.created_at, o.order_id), reverse=True)]
    assert _pages(api, "/admin/v1/orders", shop["api_key"]) == newest


def test_pending_migrations_run_once_per_table(shop):
    first = migrations.run_pending()
    assert migrations.run_pending() == {}
    assert set(first) <= {name for name, _ in migrations.MIGRATIONS}
