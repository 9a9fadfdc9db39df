"""Flash sales through the API: carve-out, window, per-user limit, sharded stock, rate limits,
cancel and settlement, listings and the tenant wall."""
import uuid

import pytest

from crowdcart.clock import now
from crowdcart.db.models.campaigns import FlashBuyer, FlashSale, FlashShard
from crowdcart.db.models.catalog import Sku
from functions.flashsale import service
from tests.fakes.catalog import make_sku, sku_stock

ADDRESS = {"name": "Li Lei", "phone": "13800138000", "province": "上海", "city": "上海", "detail": "人民大道 1 号"}


def create_sale(api, shop, sku, **overrides):
    moment = now()
    body = {"sku_id": sku, "price_fen": 100, "stock": 4, "per_user_limit": 1, "starts_at": moment - 10,
            "ends_at": moment + 3600, **overrides}
    reply = api.post("/admin/v1/flash-sales", body, token=shop["api_key"])
    assert reply.status == 201, reply.body
    return reply.body["id"]


def buy(api, shopper, sku, sale_id, quantity=1, key=None):
    return api.post("/v1/orders", {"items": [{"sku_id": sku, "quantity": quantity}],
                                   "activity": {"type": "flash_sale", "id": sale_id},
                                   "delivery": {"type": "express", "address": ADDRESS}},
                    token=shopper["token"], headers={"Idempotency-Key": key or str(uuid.uuid4())})


def shard_levels(shop_id, sale_id, shards):
    return [FlashShard.get(*FlashShard.key(shop_id, sale_id, i), consistent_read=True).stock for i in range(shards)]


def code(reply):
    return reply.body["error"]["code"]


def test_creation_carves_the_stock_out_of_the_sku_into_even_shards(api, shop):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, stock=7, shards=3)
    assert sku_stock(shop["shop_id"], sku) == 3
    detail = api.get(f"/admin/v1/flash-sales/{sale_id}", token=shop["api_key"]).body
    assert detail["shard_stock"] == [3, 2, 2] and detail["stock_left"] == 7 and detail["status"] == "live"
    too_many = api.post("/admin/v1/flash-sales", {"sku_id": sku, "price_fen": 100, "stock": 4, "per_user_limit": 1,
                                                  "starts_at": now(), "ends_at": now() + 60}, token=shop["api_key"])
    assert too_many.status == 409 and code(too_many) == "insufficient_stock"
    assert sku_stock(shop["shop_id"], sku) == 3


@pytest.mark.parametrize("change, field", [
    ({"price_fen": 1000}, "price_fen"),
    ({"ends_at": 1_600_000_000, "starts_at": 1_590_000_000}, "ends_at"),
    ({"starts_at": 1_900_000_000, "ends_at": 1_800_000_000}, "body"),
    ({"shards": 5, "stock": 4}, "body"),
    ({"starts_at": "2030-01-01T10:00:00"}, "starts_at"),
    ({"per_user_limit": 0}, "per_user_limit"),
])
def test_bad_sales_are_422_naming_the_field(api, shop, change, field):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    body = {"sku_id": sku, "price_fen": 100, "stock": 4, "per_user_limit": 1, "starts_at": now(),
            "ends_at": now() + 60, **change}
    reply = api.post("/admin/v1/flash-sales", body, token=shop["api_key"])
    assert reply.status == 422, reply.body
    assert reply.body["error"]["field"] == field


def test_iso_times_are_accepted(api, shop):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, starts_at="2030-01-01T10:00:00+08:00", ends_at="2030-01-01T12:00:00Z")
    sale = api.get(f"/admin/v1/flash-sales/{sale_id}", token=shop["api_key"]).body
    assert (sale["starts_at_iso"], sale["ends_at_iso"]) == ("2030-01-01T02:00:00Z", "2030-01-01T12:00:00Z")
    assert sale["status"] == "upcoming"


def test_buying_charges_the_flash_price_takes_a_shard_not_the_sku_and_holds_the_limit(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, stock=4, shards=2)
    reply = buy(api, shopper, sku, sale_id)
    assert reply.status == 201, reply.body
    order = reply.body
    assert order["goods_fen"] == 1000 and order["discount_fen"] == 900
    assert [d["kind"] for d in order["pricing"]["discounts"]] == ["activity"]
    assert order["activity"]["type"] == "flash_sale" and order["activity"]["id"] == sale_id
    assert order["lines"][0]["stock_from"] == "flash_sale"
    assert sku_stock(shop_id, sku) == 6  # the SKU counter is not touched at purchase
    assert sum(shard_levels(shop_id, sale_id, 2)) == 3
    again = buy(api, shopper, sku, sale_id)
    assert again.status == 409 and code(again) == "flash_sale_limit_reached"
    two = buy(api, shopper, sku, sale_id, quantity=2)
    assert two.status == 422 and code(two) == "quantity_over_limit"
    other_sku = make_sku(shop_id, stock=10)
    mixed = api.post("/v1/orders", {"items": [{"sku_id": sku, "quantity": 1}, {"sku_id": other_sku, "quantity": 1}],
                                    "activity": {"type": "flash_sale", "id": sale_id},
                                    "delivery": {"type": "express", "address": ADDRESS}},
                     token=shopper["token"], headers={"Idempotency-Key": str(uuid.uuid4())})
    assert mixed.status == 422 and code(mixed) == "activity_items_mismatch"


def test_the_same_key_replays_the_order_even_once_sold_out(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, stock=1)
    first = buy(api, shopper, sku, sale_id, key="k-1")
    assert first.status == 201
    bob = api.login(shop["shop_id"], "bob")
    assert code(buy(api, bob, sku, sale_id)) == "flash_sale_sold_out"
    again = buy(api, shopper, sku, sale_id, key="k-1")
    assert again.status == 201 and again.body["id"] == first.body["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"


def test_outside_the_window_is_409(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    later = create_sale(api, shop, sku, starts_at=now() + 3600, ends_at=now() + 7200)
    reply = buy(api, shopper, sku, later)
    assert reply.status == 409 and code(reply) == "flash_sale_not_started"
    running = create_sale(api, shop, sku)
    ended = api.post(f"/admin/v1/flash-sales/{running}/end", token=shop["api_key"])
    assert ended.status == 200 and ended.body["status"] == "ended" and ended.body["ended_early_at"]
    reply = buy(api, shopper, sku, running)
    assert reply.status == 409 and code(reply) == "flash_sale_ended"
    assert api.post(f"/admin/v1/flash-sales/{running}/end", token=shop["api_key"]).status == 409


def test_the_write_itself_refuses_a_closed_window_even_with_a_stale_cache(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku)
    assert api.get(f"/v1/flash-sales/{sale_id}", token=shopper["token"]).status == 200
    from crowdcart.purchase import flash_sale

    flash_sale.definition(shop_id, sale_id)  # this container caches the open window
    FlashShard(*FlashShard.key(shop_id, sale_id, 0)).update(actions=[FlashShard.ends_at.set(now() - 1)])
    reply = buy(api, shopper, sku, sale_id)
    assert reply.status == 409 and code(reply) == "flash_sale_sold_out"  # one shard: the write failed, nothing sold
    assert shard_levels(shop_id, sale_id, 1) == [4]


def test_an_early_end_by_another_container_is_409_ended_not_a_retry_loop(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, shards=3, stock=6)
    from crowdcart.purchase import flash_sale

    flash_sale.definition(shop_id, sale_id)  # cached here; the merchant's call lands on another container
    ended = now() - 1
    FlashSale(*FlashSale.key(shop_id, sale_id)).update(actions=[FlashSale.ends_at.set(ended)])
    for index in range(3):
        FlashShard(*FlashShard.key(shop_id, sale_id, index)).update(actions=[FlashShard.ends_at.set(ended)])
    reply = buy(api, shopper, sku, sale_id)
    assert reply.status == 409 and code(reply) == "flash_sale_ended"
    assert sum(shard_levels(shop_id, sale_id, 3)) == 6


def test_cancelling_gives_the_unit_back_to_its_shard_and_the_shopper_can_buy_again(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, stock=2)
    order = buy(api, shopper, sku, sale_id).body
    assert shard_levels(shop_id, sale_id, 1) == [1]
    cancelled = api.post(f"/v1/orders/{order['id']}/cancel", token=shopper["token"])
    assert cancelled.status == 200, cancelled.body
    assert shard_levels(shop_id, sale_id, 1) == [2]
    assert FlashBuyer.get(*FlashBuyer.key(shop_id, sale_id, shopper["user_id"]), consistent_read=True).bought == 0
    assert sku_stock(shop_id, sku) == 8
    assert buy(api, shopper, sku, sale_id).status == 201


def test_settlement_returns_what_is_left_to_the_sku_once_and_late_cancels_go_to_the_sku(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, stock=5, shards=2)
    order = buy(api, shopper, sku, sale_id).body
    assert FlashSale.get(*FlashSale.key(shop_id, sale_id), consistent_read=True).settled_at is None
    api.post(f"/admin/v1/flash-sales/{sale_id}/end", token=shop["api_key"])
    assert service.settle(shop_id, sale_id, now() + 61) == 4
    assert service.settle(shop_id, sale_id, now() + 61) is None
    sku_row = Sku.get(*Sku.key(shop_id, sku), consistent_read=True)
    assert (sku_row.stock, sku_row.sales) == (9, 1)
    assert shard_levels(shop_id, sale_id, 2) == [0, 0]
    detail = api.get(f"/admin/v1/flash-sales/{sale_id}", token=shop["api_key"]).body
    assert detail["returned_to_sku"] == 4 and detail["settled_at"] and detail["sold"] == 1
    assert api.post(f"/v1/orders/{order['id']}/cancel", token=shopper["token"]).status == 200
    sku_row = Sku.get(*Sku.key(shop_id, sku), consistent_read=True)
    assert (sku_row.stock, sku_row.sales) == (10, 0)
    assert shard_levels(shop_id, sale_id, 2) == [0, 0]


def test_the_settlement_sweeper_finds_due_sales(api, shop):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, stock=3, starts_at=now() - 100, ends_at=now() + 1)
    service.sweep_settlements(now() + 62, limit=1000)  # the sweeper of a minute later
    assert FlashSale.get(*FlashSale.key(shop_id, sale_id), consistent_read=True).settled_at is not None
    assert sku_stock(shop_id, sku) == 10


def test_per_user_rate_limit_is_429_before_any_read(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, rate_per_user=2, rate_window_seconds=60)
    assert buy(api, shopper, sku, sale_id).status == 201
    assert buy(api, shopper, sku, sale_id).status == 409
    third = buy(api, shopper, sku, sale_id)
    assert third.status == 429 and code(third) == "rate_limited"
    assert third.body["error"]["retry_after_seconds"] >= 1


def test_per_ip_rate_limit_is_429(api, shop):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, rate_per_ip=2, rate_window_seconds=60, stock=5)
    replies = [buy(api, api.login(shop["shop_id"], f"u{i}"), sku, sale_id).status for i in range(3)]
    assert replies == [201, 201, 429]  # every in-process call comes from the gateway's one local IP


def test_listings_show_upcoming_live_and_ended_with_stock_left_grouped_by_window(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=50, price_fen=1000)
    moment = now()
    live_a = create_sale(api, shop, sku, stock=5, starts_at=moment - 60, ends_at=moment + 600)
    live_b = create_sale(api, shop, sku, stock=6, starts_at=moment - 60, ends_at=moment + 600, shards=3)
    upcoming = create_sale(api, shop, sku, starts_at=moment + 600, ends_at=moment + 1200)
    ended = create_sale(api, shop, sku)
    api.post(f"/admin/v1/flash-sales/{ended}/end", token=shop["api_key"])
    assert buy(api, shopper, sku, live_b).status == 201
    current = api.get("/v1/flash-sales", token=shopper["token"]).body["items"]
    assert [s["id"] for s in current] == [live_a, live_b, upcoming] or \
        [s["id"] for s in current] == [live_b, live_a, upcoming]
    by_id = {s["id"]: s for s in current}
    assert by_id[live_b]["stock_left"] == 5 and by_id[live_b]["sold"] == 1 and by_id[live_b]["status"] == "live"
    assert by_id[upcoming]["status"] == "upcoming"
    assert [s["id"] for s in api.get("/v1/flash-sales?status=upcoming", token=shopper["token"]).body["items"]] == [upcoming]
    assert {s["id"] for s in api.get("/v1/flash-sales?status=live", token=shopper["token"]).body["items"]} == {live_a, live_b}
    assert [s["id"] for s in api.get("/v1/flash-sales?status=ended", token=shopper["token"]).body["items"]] == [ended]
    sessions = api.get("/v1/flash-sessions", token=shopper["token"]).body["items"]
    assert [len(s["sales"]) for s in sessions] == [2, 1] and sessions[0]["status"] == "live"
    assert api.get("/v1/flash-sales?status=soon", token=shopper["token"]).status == 400
    page = api.get("/admin/v1/flash-sales?limit=2", token=shop["api_key"]).body
    rest = api.get(f"/admin/v1/flash-sales?limit=10&cursor={page['next_cursor']}", token=shop["api_key"]).body
    assert {s["id"] for s in page["items"] + rest["items"]} == {live_a, live_b, upcoming, ended}


def test_another_shop_cannot_see_or_buy_this_shops_sale(api, shop, platform_key):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku)
    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    stranger = api.login(other["shop_id"], "eve")
    assert api.get(f"/admin/v1/flash-sales/{sale_id}", token=other["api_key"]).status == 404
    assert api.post(f"/admin/v1/flash-sales/{sale_id}/end", token=other["api_key"]).status == 404
    assert api.get(f"/v1/flash-sales/{sale_id}", token=stranger["token"]).status == 404
    assert sale_id not in str(api.get("/v1/flash-sales", token=stranger["token"]).body)
    reply = buy(api, stranger, sku, sale_id)
    assert reply.status == 404 and code(reply) == "flash_sale_not_found"
    assert api.get("/v1/flash-sales/not-an-id", token=stranger["token"]).status == 404


def test_a_buyer_whose_shards_are_empty_finds_the_rest_and_rebalances_it(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, stock=8, shards=4)
    for index, stock in enumerate([0, 0, 0, 8]):
        FlashShard(*FlashShard.key(shop_id, sale_id, index)).update(actions=[FlashShard.stock.set(stock)])
    from crowdcart.purchase import flash_sale

    flash_sale._note(shop_id, sale_id, {3: 0})  # this container wrongly believes the stocked shard is empty
    assert buy(api, shopper, sku, sale_id).status == 201
    levels = shard_levels(shop_id, sale_id, 4)
    assert sum(levels) == 7 and max(levels) - min(levels) <= 1


def test_unpaid_orders_give_the_flash_stock_back_on_timeout(api, shop, shopper):
    from functions.orders.service import sweep_pay_timeouts

    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    sale_id = create_sale(api, shop, sku, stock=3, shards=2)
    order = buy(api, shopper, sku, sale_id).body
    assert sum(shard_levels(shop_id, sale_id, 2)) == 2
    sweep_pay_timeouts(order["pay_deadline_at"] + 1, limit=1000)
    assert api.get(f"/v1/orders/{order['id']}", token=shopper["token"]).body["status"] == "cancelled"
    assert sum(shard_levels(shop_id, sale_id, 2)) == 3
    assert sku_stock(shop_id, sku) == 7
    assert FlashBuyer.get(*FlashBuyer.key(shop_id, sale_id, shopper["user_id"]), consistent_read=True).bought == 0
