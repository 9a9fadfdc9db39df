"""Bargains through the API: activity rules, sessions, friends' cuts down to the floor exactly,
buying through checkout once, cancel, expiry, daily help limit, new-user counts, tenant wall."""
import uuid

import pytest

from crowdcart.clock import now
from crowdcart.db.models.campaigns import Bargain, BargainSession
from crowdcart.db.models.shops import Shopper
from tests.fakes.catalog import make_sku, sku_stock

ADDRESS = {"name": "Li Lei", "phone": "13800138000", "province": "上海", "city": "上海", "detail": "人民大道 1 号"}


def create_bargain(api, shop, sku, **overrides):
    body = {"sku_id": sku, "floor_price_fen": 100, "helpers_needed": 3, "duration_seconds": 3600, "stock": 5,
            **overrides}
    reply = api.post("/admin/v1/bargains", body, token=shop["api_key"])
    assert reply.status == 201, reply.body
    return reply.body["id"]


def start(api, shopper, bargain_id):
    reply = api.post(f"/v1/bargains/{bargain_id}/sessions", token=shopper["token"])
    assert reply.status == 201, reply.body
    return reply.body["session_id"]


def buy(api, shopper, sku, session_id, quantity=1, key=None):
    return api.post("/v1/orders", {"items": [{"sku_id": sku, "quantity": quantity}],
                                   "activity": {"type": "bargain", "id": session_id},
                                   "delivery": {"type": "express", "address": ADDRESS}},
                    token=shopper["token"], headers={"Idempotency-Key": key or str(uuid.uuid4())})


def friends(api, shop, count, prefix="friend"):
    return [api.login(shop["shop_id"], f"{prefix}{i}-{uuid.uuid4().hex[:6]}") for i in range(count)]


def code(reply):
    return reply.body["error"]["code"]


@pytest.mark.parametrize("change, field", [
    ({"floor_price_fen": 1000}, "floor_price_fen"),
    ({"helpers_needed": 5, "floor_price_fen": 996}, "helpers_needed"),
    ({"start_price_fen": 2000}, "start_price_fen"),
    ({"helpers_needed": 0}, "helpers_needed"),
    ({"duration_seconds": 10}, "duration_seconds"),
    ({"buy_mode": "whenever"}, "buy_mode"),
    ({"ends_at": 1_600_000_000}, "ends_at"),
])
def test_bad_bargains_are_422_naming_the_field(api, shop, change, field):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    body = {"sku_id": sku, "floor_price_fen": 100, "helpers_needed": 3, "duration_seconds": 3600, "stock": 5, **change}
    reply = api.post("/admin/v1/bargains", body, token=shop["api_key"])
    assert reply.status == 422, reply.body
    assert reply.body["error"]["field"] == field


def test_friends_cut_the_price_to_the_floor_exactly_on_the_last_needed_helper(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    bargain_id = create_bargain(api, shop, sku, floor_price_fen=100, helpers_needed=3)
    created = api.post(f"/v1/bargains/{bargain_id}/sessions", token=shopper["token"])
    assert created.status == 201
    session_id = created.body["session_id"]
    assert created.body["current_price_fen"] == 1000 and created.body["expires_at"] > now()
    own = api.post(f"/v1/bargain-sessions/{session_id}/helps", token=shopper["token"])
    assert own.status == 409 and code(own) == "bargain_own_session"
    cuts, prices = [], []
    for friend in friends(api, shop, 3):
        reply = api.post(f"/v1/bargain-sessions/{session_id}/helps", token=friend["token"])
        assert reply.status == 200, reply.body
        cuts.append(reply.body["cut_fen"])
        prices.append(reply.body["current_price_fen"])
        twice = api.post(f"/v1/bargain-sessions/{session_id}/helps", token=friend["token"])
        assert twice.status == 409
    assert sum(cuts) == 900 and cuts == sorted(cuts, reverse=True) and min(cuts) >= 1
    assert prices[-1] == 100 and prices[0] > prices[1] > prices[2]
    late = api.post(f"/v1/bargain-sessions/{session_id}/helps", token=friends(api, shop, 1, "late")[0]["token"])
    assert late.status == 409 and code(late) == "bargain_complete"
    view = api.get(f"/v1/bargain-sessions/{session_id}", token=shopper["token"]).body
    assert view["current_price_fen"] == view["floor_price_fen"] == 100
    assert [h["cut_fen"] for h in view["helpers"]] == cuts and view["status"] == "complete" and view["can_buy"]
    assert isinstance(view["expires_at"], int)


def test_the_same_friend_twice_is_409_already_helped(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    session_id = start(api, shopper, create_bargain(api, shop, sku, helpers_needed=5))
    (friend,) = friends(api, shop, 1)
    assert api.post(f"/v1/bargain-sessions/{session_id}/helps", token=friend["token"]).status == 200
    again = api.post(f"/v1/bargain-sessions/{session_id}/helps", token=friend["token"])
    assert again.status == 409 and code(again) == "already_helped"


def test_buying_at_the_current_price_uses_the_session_once_and_cancel_reopens_it(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    bargain_id = create_bargain(api, shop, sku, helpers_needed=4, stock=2)
    session_id = start(api, shopper, bargain_id)
    for friend in friends(api, shop, 2):
        api.post(f"/v1/bargain-sessions/{session_id}/helps", token=friend["token"])
    price = api.get(f"/v1/bargain-sessions/{session_id}", token=shopper["token"]).body["current_price_fen"]
    assert 100 < price < 1000
    reply = buy(api, shopper, sku, session_id)
    assert reply.status == 201, reply.body
    order = reply.body
    assert order["goods_fen"] == 1000 and order["discount_fen"] == 1000 - price
    assert order["activity"]["type"] == "bargain" and order["activity"]["id"] == session_id
    assert sku_stock(shop_id, sku) == 9  # the SKU's own stock moves as for any order
    assert Bargain.get(*Bargain.key(shop_id, bargain_id), consistent_read=True).stock == 1
    again = buy(api, shopper, sku, session_id)
    assert again.status == 409 and code(again) == "bargain_used"
    help_after = api.post(f"/v1/bargain-sessions/{session_id}/helps", token=friends(api, shop, 1)[0]["token"])
    assert help_after.status == 409 and code(help_after) == "bargain_used"
    assert api.get(f"/v1/bargain-sessions/{session_id}", token=shopper["token"]).body["order_id"] == order["id"]
    assert api.post(f"/v1/orders/{order['id']}/cancel", token=shopper["token"]).status == 200
    assert Bargain.get(*Bargain.key(shop_id, bargain_id), consistent_read=True).stock == 2
    assert sku_stock(shop_id, sku) == 10
    assert api.get(f"/v1/bargain-sessions/{session_id}", token=shopper["token"]).body["status"] == "open"
    assert buy(api, shopper, sku, session_id).status == 201


def test_checkout_rules_owner_one_unit_floor_only_and_expiry(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    session_id = start(api, shopper, create_bargain(api, shop, sku, buy_mode="floor_only", helpers_needed=2))
    early = buy(api, shopper, sku, session_id)
    assert early.status == 409 and code(early) == "bargain_not_finished"
    assert code(buy(api, shopper, sku, session_id, quantity=2)) == "activity_items_mismatch"
    mallory = api.login(shop_id, "mallory")
    theft = buy(api, mallory, sku, session_id)
    assert theft.status == 403 and code(theft) == "bargain_not_yours"
    BargainSession(*BargainSession.key(shop_id, session_id)).update(actions=[BargainSession.expires_at.set(now() - 1)])
    expired = buy(api, shopper, sku, session_id)
    assert expired.status == 409 and code(expired) == "bargain_expired"
    late = api.post(f"/v1/bargain-sessions/{session_id}/helps", token=mallory["token"])
    assert late.status == 409 and code(late) == "bargain_expired"
    assert api.get(f"/v1/bargain-sessions/{session_id}", token=shopper["token"]).body["status"] == "expired"
    unknown = buy(api, shopper, sku, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert unknown.status == 404 and code(unknown) == "bargain_session_not_found"


def test_a_help_between_reading_and_buying_makes_the_purchase_409_not_a_stale_price(api, shop, shopper, monkeypatch):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    session_id = start(api, shopper, create_bargain(api, shop, sku, helpers_needed=3))
    (friend,) = friends(api, shop, 1)
    from crowdcart.purchase.bargain import BargainPart
    from functions.bargain import service

    original = BargainPart.prepare

    def prepare_then_a_friend_helps(self, ctx):
        original(self, ctx)
        service.help_session(shop_id, session_id, friend["user_id"])

    monkeypatch.setattr(BargainPart, "prepare", prepare_then_a_friend_helps)
    reply = buy(api, shopper, sku, session_id)
    assert reply.status == 409 and code(reply) == "bargain_changed"
    monkeypatch.setattr(BargainPart, "prepare", original)
    assert sku_stock(shop_id, sku) == 10
    assert api.get(f"/v1/bargain-sessions/{session_id}", token=shopper["token"]).body["helps"] == 1


def test_per_user_session_limit_stock_and_end(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    bargain_id = create_bargain(api, shop, sku, stock=1, per_user_limit=1)
    session_id = start(api, shopper, bargain_id)
    second = api.post(f"/v1/bargains/{bargain_id}/sessions", token=shopper["token"])
    assert second.status == 409 and code(second) == "bargain_limit_reached"
    assert buy(api, shopper, sku, session_id).status == 201
    bob = api.login(shop_id, "bob")
    sold_out = api.post(f"/v1/bargains/{bargain_id}/sessions", token=bob["token"])
    assert sold_out.status == 409 and code(sold_out) == "bargain_sold_out"
    other = create_bargain(api, shop, sku)
    assert api.post(f"/admin/v1/bargains/{other}/end", token=shop["api_key"]).status == 200
    ended = api.post(f"/v1/bargains/{other}/sessions", token=bob["token"])
    assert ended.status == 409 and code(ended) == "bargain_ended"
    assert other not in {b["id"] for b in api.get("/v1/bargains", token=bob["token"]).body["items"]}
    assert other in {b["id"] for b in api.get("/admin/v1/bargains", token=shop["api_key"]).body["items"]}


def test_daily_help_limit_holds_per_helper(api, shop):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    bargain_id = create_bargain(api, shop, sku, daily_help_limit=1, per_user_limit=1)
    owners = friends(api, shop, 2, "owner")
    sessions = [start(api, owner, bargain_id) for owner in owners]
    (helper,) = friends(api, shop, 1, "helper")
    assert api.post(f"/v1/bargain-sessions/{sessions[0]}/helps", token=helper["token"]).status == 200
    second = api.post(f"/v1/bargain-sessions/{sessions[1]}/helps", token=helper["token"])
    assert second.status == 409 and code(second) == "daily_help_limit_reached"
    assert api.get(f"/v1/bargain-sessions/{sessions[1]}", token=helper["token"]).body["helps"] == 0


def test_new_shoppers_who_help_are_counted(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    veteran = api.login(shop_id, "veteran")
    Shopper(*Shopper.key(shop_id, veteran["user_id"])).update(actions=[Shopper.created_at.set(now() - 86400)])
    bargain_id = create_bargain(api, shop, sku, helpers_needed=3)
    session_id = start(api, shopper, bargain_id)
    newcomer = api.login(shop_id, "newcomer")  # joined through the shared session
    assert api.post(f"/v1/bargain-sessions/{session_id}/helps", token=veteran["token"]).body["is_new"] is False
    assert api.post(f"/v1/bargain-sessions/{session_id}/helps", token=newcomer["token"]).body["is_new"] is True
    view = api.get(f"/v1/bargain-sessions/{session_id}", token=newcomer["token"]).body
    assert view["new_helpers"] == 1 and [h["is_new"] for h in view["helpers"]] == [False, True]
    assert view["can_buy"] is False and view["order_id"] is None  # a friend's view
    admin = api.get(f"/admin/v1/bargains/{bargain_id}", token=shop["api_key"]).body
    assert admin["stats"] == {"sessions": 1, "helps": 2, "new_helpers": 1, "sold": 0}
    campaign = api.get(f"/admin/v1/campaigns/bargain/{bargain_id}/stats", token=shop["api_key"]).body
    assert (campaign["participants"], campaign["new_users"]) == (3, 1)  # the owner and two friends
    listed = api.get(f"/admin/v1/bargains/{bargain_id}/sessions", token=shop["api_key"]).body["items"]
    assert [s["id"] for s in listed] == [session_id]
    mine = api.get("/v1/me/bargain-sessions", token=shopper["token"]).body["items"]
    assert [s["id"] for s in mine] == [session_id] and mine[0]["can_buy"] is True


def test_another_shop_cannot_reach_this_shops_bargains(api, shop, shopper, platform_key):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=1000)
    bargain_id = create_bargain(api, shop, sku)
    session_id = start(api, shopper, bargain_id)
    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    eve = api.login(other["shop_id"], "eve")
    assert api.get(f"/admin/v1/bargains/{bargain_id}", token=other["api_key"]).status == 404
    assert api.get(f"/admin/v1/bargains/{bargain_id}/sessions", token=other["api_key"]).status == 404
    assert api.get(f"/v1/bargains/{bargain_id}", token=eve["token"]).status == 404
    assert api.post(f"/v1/bargains/{bargain_id}/sessions", token=eve["token"]).status == 404
    assert api.get(f"/v1/bargain-sessions/{session_id}", token=eve["token"]).status == 404
    assert api.post(f"/v1/bargain-sessions/{session_id}/helps", token=eve["token"]).status == 404
    assert buy(api, eve, sku, session_id).status == 404
    assert bargain_id not in str(api.get("/v1/bargains", token=eve["token"]).body)
    assert api.get(f"/v1/bargain-sessions/{session_id}", token=shopper["token"]).body["helps"] == 0
