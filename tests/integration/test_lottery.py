"""Lotteries over HTTP against DynamoDB Local: set-up, entries from joining, check-ins, orders and shares
(the stream), draws within stock, prizes issued once, analytics, the tenant wall."""
import uuid
from unittest import mock

import pytest

from crowdcart.clock import now
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.shops import Shopper
from crowdcart.plays import lottery as core
from crowdcart.rewards import coupons, points
from functions.lottery import service
from tests.fakes import rewards
from tests.fakes.catalog import make_sku
from tests.fakes.orders import load_order, wechat_sandbox  # noqa: F401
from tests.fakes.stream import drain, replay

HOUR = 3600


def voucher(api, shop, quota=10):
    """A product and a non-public voucher template restricted to it: (template id, product id)."""
    sku = make_sku(shop["shop_id"], stock=10, price_fen=3900)
    product_id = Sku.get(*Sku.key(shop["shop_id"], sku)).product_id
    template = rewards.template(api, shop, name="兑换券", kind="no_threshold", amount_off_fen=3900, min_spend_fen=0,
                                quota=quota, public=False, product_ids=[product_id])
    return template["id"], product_id


def create(api, shop, prizes, **fields):
    body = {"name": "新春抽奖", "ends_at": now() + 24 * HOUR, "prizes": prizes}
    body.update(fields)
    reply = api.post("/admin/v1/lotteries", body, token=shop["api_key"])
    assert reply.status == 201, reply.body
    return reply.body["id"]


def draw(api, shopper, lottery_id, key=None):
    headers = {"Idempotency-Key": key} if key else None
    return api.post(f"/v1/lotteries/{lottery_id}/draws", token=shopper["token"], headers=headers)


def test_set_up_validation_names_the_field(api, shop):
    coupon = rewards.template(api, shop, quota=5, public=False)
    plain = rewards.template(api, shop, name="plain", quota=50, public=False)
    points_prize = {"name": "10 积分", "kind": "points", "points": 10, "probability_ppm": 500_000, "stock": 10}
    bad = [([dict(points_prize, probability_ppm=600_000), dict(points_prize, probability_ppm=400_001)], "body"),
           ([dict(points_prize, stock=None)], "prizes.0"),
           ([{"name": "券", "kind": "coupon", "template_id": coupon["id"], "probability_ppm": 1, "stock": 6}],
            "prizes.0.stock"),
           ([{"name": "券", "kind": "coupon", "template_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "probability_ppm": 1,
              "stock": 1}], "prizes.0.template_id"),
           ([{"name": "商品", "kind": "product", "template_id": plain["id"], "probability_ppm": 1, "stock": 1}],
            "prizes.0.template_id"),
           ([dict(points_prize, kind="cash")], "prizes.0.kind")]
    for prizes, field in bad:
        reply = api.post("/admin/v1/lotteries", {"name": "x", "ends_at": now() + HOUR, "prizes": prizes},
                         token=shop["api_key"])
        assert reply.status == 422 and reply.body["error"]["field"].startswith(field), (prizes, reply.body)
    assert api.post("/admin/v1/lotteries", {"name": "x", "ends_at": now() - 5, "prizes": [points_prize]},
                    token=shop["api_key"]).status == 422


def test_join_draw_prizes_are_issued_once_and_entries_run_out(api, shop, shopper):
    template_id, product_id = voucher(api, shop)
    lottery_id = create(api, shop, [
        {"name": "兑换券", "kind": "product", "template_id": template_id, "product_id": product_id,
         "probability_ppm": 500_000, "stock": 3},
        {"name": "50 积分", "kind": "points", "points": 50, "probability_ppm": 500_000, "stock": 3}],
        initial_entries=2)
    Shopper(*Shopper.key(shop["shop_id"], shopper["user_id"])).update(actions=[Shopper.created_at.set(now() - 86400)])
    shown = api.get(f"/v1/lotteries/{lottery_id}", token=shopper["token"]).body
    assert [p["probability_percent"] for p in shown["prizes"]] == [50.0, 50.0] and shown["status"] == "active"
    assert api.post(f"/v1/lotteries/{lottery_id}/draws", token=shopper["token"]).body["error"]["code"] == "no_entries"
    joined = api.post(f"/v1/lotteries/{lottery_id}/join", token=shopper["token"]).body
    assert (joined["entries"], joined["joined_now"]) == (2, True)
    assert api.post(f"/v1/lotteries/{lottery_id}/join", token=shopper["token"]).body["joined_now"] is False

    outcomes = [draw(api, shopper, lottery_id) for _ in range(2)]
    assert all(o.status == 201 and o.body["result"] == "won" for o in outcomes), [o.body for o in outcomes]
    assert [o.body["entries_left"] for o in outcomes] == [1, 0]
    third = draw(api, shopper, lottery_id)
    assert third.status == 409 and third.body["error"]["code"] == "no_entries"

    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    won = [o.body["prize"]["kind"] for o in outcomes]
    assert points.balance(shop_id, user_id, True) == 50 * won.count("points")
    wallet = api.get("/v1/me/coupons?status=unused", token=shopper["token"]).body["items"]
    assert len(wallet) == won.count("product") and all(c["product_ids"] == [product_id] for c in wallet)
    drain(shop_id)
    replay(shop_id)  # the grant reaction and a redelivered stream issue nothing more
    assert points.balance(shop_id, user_id, True) == 50 * won.count("points")
    assert len(api.get("/v1/me/coupons?status=unused", token=shopper["token"]).body["items"]) == won.count("product")

    admin = api.get(f"/admin/v1/lotteries/{lottery_id}", token=shop["api_key"]).body
    assert sum(p["won"] for p in admin["prizes"]) == 2 and sum(p["remaining"] for p in admin["prizes"]) == 4
    winners = api.get(f"/admin/v1/lotteries/{lottery_id}/winners", token=shop["api_key"]).body["items"]
    assert len(winners) == 2 and {w["user_id"] for w in winners} == {user_id}
    mine = api.get(f"/v1/lotteries/{lottery_id}/me", token=shopper["token"]).body
    assert (mine["entries"], mine["earned"], mine["used"], len(mine["draws"])) == (0, 2, 2, 2)
    stats = api.get(f"/admin/v1/campaigns/lottery/{lottery_id}/stats", token=shop["api_key"]).body
    assert (stats["participants"], stats["new_users"]) == (1, 0)  # alice was a shopper before the lottery began


def test_an_out_of_stock_prize_falls_through_to_thanks(api, shop, shopper):
    lottery_id = create(api, shop, [{"name": "大奖", "kind": "points", "points": 100, "probability_ppm": 1_000_000,
                                     "stock": 1}], initial_entries=2)
    api.post(f"/v1/lotteries/{lottery_id}/join", token=shopper["token"])
    first, second = draw(api, shopper, lottery_id).body, draw(api, shopper, lottery_id).body
    assert (first["result"], first["fell_through"]) == ("won", False)
    assert (second["result"], second["fell_through"], second["prize"]) == ("thanks", True, None)
    assert points.balance(shop["shop_id"], shopper["user_id"], True) == 100


def test_explicit_thanks_and_the_unassigned_rest(api, shop, shopper):
    lottery_id = create(api, shop, [{"name": "谢谢参与", "kind": "thanks", "probability_ppm": 1_000_000}],
                        initial_entries=1)
    api.post(f"/v1/lotteries/{lottery_id}/join", token=shopper["token"])
    outcome = draw(api, shopper, lottery_id).body
    assert (outcome["result"], outcome["prize"]["name"], outcome["fell_through"]) == ("thanks", "谢谢参与", False)
    empty = create(api, shop, [{"name": "1 积分", "kind": "points", "points": 1, "probability_ppm": 0, "stock": 1}])
    api.post(f"/v1/lotteries/{empty}/join", token=shopper["token"])
    assert draw(api, shopper, empty).body["result"] == "thanks"


def test_the_same_idempotency_key_draws_once(api, shop, shopper):
    lottery_id = create(api, shop, [{"name": "积分", "kind": "points", "points": 5, "probability_ppm": 1_000_000,
                                     "stock": 10}], initial_entries=3)
    api.post(f"/v1/lotteries/{lottery_id}/join", token=shopper["token"])
    first, again = draw(api, shopper, lottery_id, key="tap-1"), draw(api, shopper, lottery_id, key="tap-1")
    assert first.body["draw_id"] == again.body["draw_id"] and again.body["replayed"]
    assert api.get(f"/v1/lotteries/{lottery_id}/me", token=shopper["token"]).body["entries"] == 2
    assert points.balance(shop["shop_id"], shopper["user_id"], True) == 5


@pytest.mark.usefixtures("wechat_sandbox")
def test_entries_from_check_ins_orders_and_shares(api, shop, shopper):
    from crowdcart.payments.sandbox import pay_order

    lottery_id = create(api, shop, [{"name": "积分", "kind": "points", "points": 5, "probability_ppm": 1_000_000,
                                     "stock": 100}], initial_entries=0, check_in_entries=2, order_entries=3,
                        order_min_fen=1000, share_entries=1, share_daily_cap=2)
    shop_id = shop["shop_id"]
    assert api.post("/v1/me/check-ins", token=shopper["token"]).status == 201
    big = rewards.order(api, shopper, make_sku(shop_id, price_fen=1500)).body["id"]
    small = rewards.order(api, shopper, make_sku(shop_id, price_fen=500)).body["id"]
    for order_id in (big, small):
        assert pay_order(load_order(shop_id, order_id))["notification"]["outcome"] == "paid"
    drain(shop_id)
    replay(shop_id)
    assert core.entries(shop_id, lottery_id, shopper["user_id"])["entries"] == 2 + 3

    shares = [api.post(f"/v1/lotteries/{lottery_id}/shares", {"share_id": sid}, token=shopper["token"]).body
              for sid in ("s1", "s1", "s2", "s3")]
    assert [(s["credited"], s["duplicate"], s["capped"]) for s in shares] == [
        (1, False, False), (0, True, False), (1, False, False), (0, False, True)]
    assert shares[-1]["entries"] == 7
    stats = api.get(f"/admin/v1/campaigns/lottery/{lottery_id}/stats", token=shop["api_key"]).body
    assert stats["shares"] == 3  # the duplicate report is not a share
    payload = api.get(f"/v1/lotteries/{lottery_id}/share", token=shopper["token"]).body
    assert payload["campaign_id"] == lottery_id and shopper["user_id"] in payload["path"]


def test_a_prize_the_request_did_not_issue_is_issued_by_the_stream(api, shop, shopper):
    template = rewards.template(api, shop, quota=5, public=False)
    lottery_id = create(api, shop, [{"name": "券", "kind": "coupon", "template_id": template["id"],
                                     "probability_ppm": 1_000_000, "stock": 5}])
    api.post(f"/v1/lotteries/{lottery_id}/join", token=shopper["token"])
    with mock.patch.object(service.core, "grant_draw", return_value=None):  # the Lambda stopped after the draw
        outcome = service.draw(shop["shop_id"], lottery_id, shopper["user_id"])
    assert outcome["result"] == "won" and outcome["granted"] is None
    assert api.get("/v1/me/coupons?status=unused", token=shopper["token"]).body["items"] == []
    drain(shop["shop_id"])
    wallet = api.get("/v1/me/coupons?status=unused", token=shopper["token"]).body["items"]
    cause = f"lottery:{lottery_id}:{outcome['draw_id']}"
    assert [c["id"] for c in wallet] == [coupons.coupon_id_for(shop["shop_id"], shopper["user_id"], cause)]
    mine = api.get(f"/v1/lotteries/{lottery_id}/me", token=shopper["token"]).body
    assert mine["draws"][0]["granted"]["coupon_id"] == wallet[0]["id"]


def test_windows_ending_and_the_tenant_wall(api, shop, shopper, platform_key):
    lottery_id = create(api, shop, [{"name": "积分", "kind": "points", "points": 5, "probability_ppm": 1, "stock": 1}],
                        starts_at=now() + HOUR)
    assert api.post(f"/v1/lotteries/{lottery_id}/join", token=shopper["token"]).body["error"]["code"] == \
        "lottery_upcoming"
    assert [l["id"] for l in api.get("/v1/lotteries", token=shopper["token"]).body["items"]] == [lottery_id]
    assert api.post(f"/admin/v1/lotteries/{lottery_id}/end", token=shop["api_key"]).body["status"] == "ended"
    assert api.post(f"/admin/v1/lotteries/{lottery_id}/end", token=shop["api_key"]).status == 409
    assert api.get("/v1/lotteries", token=shopper["token"]).body["items"] == []

    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    stranger = api.login(other["shop_id"], "eve")
    for reply in (api.get(f"/v1/lotteries/{lottery_id}", token=stranger["token"]),
                  api.post(f"/v1/lotteries/{lottery_id}/join", token=stranger["token"]),
                  api.post(f"/v1/lotteries/{lottery_id}/draws", token=stranger["token"]),
                  api.get(f"/admin/v1/lotteries/{lottery_id}", token=other["api_key"]),
                  api.post(f"/admin/v1/lotteries/{lottery_id}/end", token=other["api_key"])):
        assert reply.status == 404 and reply.body["error"]["code"] == "lottery_not_found"
    assert api.get("/admin/v1/lotteries", token=other["api_key"]).body["items"] == []
    assert api.post("/admin/v1/lotteries", {}, token=shopper["token"]).status == 403
    assert api.get(f"/v1/lotteries/{uuid.uuid4()}", token=shopper["token"]).status == 404
