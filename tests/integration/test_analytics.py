"""Campaign analytics: participants once, new users, shares, and orders/GMV attributed from the stream once."""
from crowdcart import analytics
from crowdcart.ids import new_id
from tests.concurrency.conftest import race
from tests.integration.test_notifications import stream_records_for
from tests.integration.test_order_lifecycle import mark_paid, place
from tests.fakes.catalog import make_sku
import app as application


def test_participants_count_once_even_concurrently(shop):
    campaign = new_id()
    users = [new_id() for _ in range(10)]
    race([lambda u=u: analytics.participate(shop["shop_id"], "red_packet", campaign, u, is_new_user=True)
          for u in users for _ in range(3)])
    stats = analytics.stats(shop["shop_id"], "red_packet", campaign)
    assert stats["participants"] == 10 and stats["new_users"] == 10 and stats["orders"] == 0


def test_paid_orders_of_participants_are_attributed_once(api, shop, shopper):
    campaign = new_id()
    analytics.participate(shop["shop_id"], "lottery", campaign, shopper["user_id"])
    order = place(api, shopper, make_sku(shop["shop_id"], price_fen=2500))
    mark_paid(shop["shop_id"], order["id"])
    consumer = application.app.handler_map["on_table_change"]
    event = stream_records_for(order["id"])
    consumer(event, None)
    consumer(event, None)
    stats = api.get(f"/admin/v1/campaigns/lottery/{campaign}/stats", token=shop["api_key"]).body
    assert (stats["participants"], stats["orders"], stats["gmv_fen"]) == (1, 1, 2500)


def test_shares_are_counted_and_inputs_checked(api, shop, shopper):
    campaign = new_id()
    for _ in range(2):
        assert api.post(f"/v1/campaigns/red_packet/{campaign}/shares", token=shopper["token"]).status == 204
    assert api.get(f"/admin/v1/campaigns/red_packet/{campaign}/stats", token=shop["api_key"]).body["shares"] == 2
    assert api.get(f"/admin/v1/campaigns/nope/{campaign}/stats", token=shop["api_key"]).status == 400
    assert api.post(f"/v1/campaigns/red_packet/{campaign}/shares", token=shop["api_key"]).status == 403
