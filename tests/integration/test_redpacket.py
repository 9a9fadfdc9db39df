"""Red-packet assists over the API: a packet opens on its N-th friend and pays a prize from the pool,
once per friend, within daily and per-user limits; seats, expiry, validation and the tenant wall."""
import pytest

from crowdcart.clock import now
from crowdcart.rewards import coupons, points
from functions.redpacket import service

CAMPAIGNS = "/admin/v1/red-packet-campaigns"


def campaign(api, shop, **changes):
    body = {"name": "开学红包", "assists_needed": 3, "prize_kind": "coupon", "budget": 3000, "winners": 5,
            "min_prize": 100, "max_prize": 1500, **changes}
    reply = api.post(CAMPAIGNS, body, token=shop["api_key"])
    assert reply.status == 201, reply.body
    return reply.body["id"]


def start(api, shopper, campaign_id):
    reply = api.post(f"/v1/red-packet-campaigns/{campaign_id}/packets", token=shopper["token"])
    assert reply.status == 201, reply.body
    return reply.body


def friends(api, shop, count, prefix="friend"):
    return [api.login(shop["shop_id"], f"{prefix}-{i}") for i in range(count)]


def assist(api, friend, packet_id):
    return api.post(f"/v1/red-packets/{packet_id}/assists", token=friend["token"])


def test_the_nth_friend_opens_the_packet_and_the_owner_gets_a_coupon_from_the_pool(api, shop, shopper):
    campaign_id = campaign(api, shop)
    packet = start(api, shopper, campaign_id)
    assert packet["status"] == "open" and packet["assists_needed"] == 3 and packet["mine"]
    assert packet["share"]["path"].endswith(packet["id"]) and "3" in packet["share"]["title"]
    helpers = friends(api, shop, 3)
    results = [assist(api, f, packet["id"]) for f in helpers]
    assert [r.status for r in results] == [200, 200, 200]
    assert [r.body["opened"] for r in results] == [False, False, True]
    assert all(r.body["is_new"] for r in results)  # they signed up after the packet was started
    seen = api.get(f"/v1/red-packets/{packet['id']}", token=shopper["token"]).body
    assert seen["status"] == "opened" and seen["assists"] == 3 and seen["new_assists"] == 3
    assert [h["user_id"] for h in seen["helpers"]] == [f["user_id"] for f in helpers]
    prize = seen["prize"]
    assert prize["kind"] == "coupon" and 100 <= prize["amount"] <= 1500
    coupon = coupons.get_coupon(shop["shop_id"], shopper["user_id"], prize["coupon_id"], consistent=True)
    assert coupon.rule["kind"] == "no_threshold" and coupon.rule["amount_off_fen"] == prize["amount"]
    assert coupon.template_id == campaign_id and coupon.status == "unused"
    by_friend = api.get(f"/v1/red-packets/{packet['id']}", token=helpers[0]["token"]).body
    assert by_friend["prize"] is None and by_friend["assisted"] and not by_friend["mine"]
    pool = api.get(f"{CAMPAIGNS}/{campaign_id}", token=shop["api_key"]).body
    assert pool["remaining"] == 3000 - prize["amount"] and pool["paid_out"] == prize["amount"]
    assert (pool["winners_left"], pool["seats_left"], pool["packets_started"], pool["packets_opened"]) == (4, 4, 1, 1)
    stats = api.get(f"/admin/v1/campaigns/red_packet/{campaign_id}/stats", token=shop["api_key"]).body
    assert stats["participants"] == 4 and stats["new_users"] == 3


def test_a_points_prize_is_credited_once_to_the_opener(api, shop, shopper):
    campaign_id = campaign(api, shop, prize_kind="points", assists_needed=1, budget=500, winners=2,
                           min_prize=50, max_prize=400)
    packet = start(api, shopper, campaign_id)
    (friend,) = friends(api, shop, 1)
    assert assist(api, friend, packet["id"]).body["opened"]
    prize = api.get(f"/v1/red-packets/{packet['id']}", token=shopper["token"]).body["prize"]
    assert prize["kind"] == "points" and prize["coupon_id"] is None
    assert points.balance(shop["shop_id"], shopper["user_id"], consistent=True) == prize["amount"]
    entry = points.get_entry(shop["shop_id"], shopper["user_id"], f"red_packet:{packet['id']}")
    assert entry.points == prize["amount"] and entry.kind == "red_packet"


def test_refusals_own_packet_twice_opened_and_unknown(api, shop, shopper):
    campaign_id = campaign(api, shop, assists_needed=2)
    packet = start(api, shopper, campaign_id)
    own = assist(api, shopper, packet["id"])
    assert own.status == 409 and own.body["error"]["code"] == "red_packet_own"
    first, second, late = friends(api, shop, 3)
    assert assist(api, first, packet["id"]).status == 200
    again = assist(api, first, packet["id"])
    assert again.status == 409 and again.body["error"]["code"] == "already_assisted"
    assert assist(api, second, packet["id"]).body["opened"]
    closed = assist(api, late, packet["id"])
    assert closed.status == 409 and closed.body["error"]["code"] == "red_packet_opened"
    missing = assist(api, late, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert missing.status == 404 and missing.body["error"]["code"] == "red_packet_not_found"


def test_the_daily_assist_limit_holds_per_helper_and_campaign(api, shop):
    campaign_id = campaign(api, shop, daily_assist_limit=2, assists_needed=5, winners=3, budget=3000)
    owners = friends(api, shop, 3, prefix="owner")
    packets = [start(api, o, campaign_id)["id"] for o in owners]
    (helper,) = friends(api, shop, 1, prefix="helper")
    replies = [assist(api, helper, p) for p in packets]
    assert [r.status for r in replies] == [200, 200, 409]
    assert replies[2].body["error"]["code"] == "daily_assist_limit_reached"


def test_seats_limit_open_packets_and_an_expired_packet_gives_its_seat_back(api, shop, shopper):
    campaign_id = campaign(api, shop, winners=1, budget=100, min_prize=100, max_prize=100, per_user_limit=1)
    packet = start(api, shopper, campaign_id)
    again = api.post(f"/v1/red-packet-campaigns/{campaign_id}/packets", token=shopper["token"])
    assert again.status == 409 and again.body["error"]["code"] == "red_packet_campaign_full"
    (other,) = friends(api, shop, 1, prefix="other")
    full = api.post(f"/v1/red-packet-campaigns/{campaign_id}/packets", token=other["token"])
    assert full.status == 409 and full.body["error"]["code"] == "red_packet_campaign_full"
    later = now() + 86400 + 5
    assert service.sweep_expired(at=later)["expired"] >= 1
    assert not service.expire_packet(shop["shop_id"], packet["id"], at=later)  # once
    assert api.get(f"/v1/red-packets/{packet['id']}", token=shopper["token"]).body["status"] == "expired"
    pool = api.get(f"{CAMPAIGNS}/{campaign_id}", token=shop["api_key"]).body
    assert (pool["seats_left"], pool["winners_left"], pool["packets_expired"]) == (1, 1, 1)
    limited = api.post(f"/v1/red-packet-campaigns/{campaign_id}/packets", token=shopper["token"])
    assert limited.status == 409 and limited.body["error"]["code"] == "red_packet_limit_reached"
    assert start(api, other, campaign_id)["status"] == "open"


def test_an_ended_campaign_takes_no_new_packets_but_open_ones_still_open(api, shop, shopper):
    campaign_id = campaign(api, shop, assists_needed=1)
    packet = start(api, shopper, campaign_id)
    ended = api.post(f"{CAMPAIGNS}/{campaign_id}/end", token=shop["api_key"])
    assert ended.status == 200 and ended.body["status"] == "ended"
    assert api.post(f"{CAMPAIGNS}/{campaign_id}/end", token=shop["api_key"]).status == 409
    (friend,) = friends(api, shop, 1)
    refused = api.post(f"/v1/red-packet-campaigns/{campaign_id}/packets", token=friend["token"])
    assert refused.status == 409 and refused.body["error"]["code"] == "red_packet_campaign_ended"
    assert assist(api, friend, packet["id"]).body["opened"]
    listed = api.get("/v1/red-packet-campaigns", token=friend["token"]).body["items"]
    assert campaign_id not in [c["id"] for c in listed]
    mine = api.get("/v1/me/red-packets", token=shopper["token"]).body["items"]
    assert [p["id"] for p in mine] == [packet["id"]] and mine[0]["status"] == "opened"
    merchant = api.get(f"{CAMPAIGNS}/{campaign_id}/packets", token=shop["api_key"]).body["items"]
    assert [p["id"] for p in merchant] == [packet["id"]]


@pytest.mark.parametrize("change, field", [
    ({"budget": 400}, "budget"),  # 5 winners × 100 minimum
    ({"max_prize": 50}, "max_prize"),
    ({"coupon_min_spend_fen": 1000}, "max_prize"),  # a 1500 prize cannot need only 1000 of goods
    ({"prize_kind": "points", "coupon_min_spend_fen": 100}, "coupon_min_spend_fen"),
    ({"assists_needed": 0}, "assists_needed"),
    ({"surprise": 1}, "surprise"),
])
def test_impossible_campaigns_are_422_naming_the_field(api, shop, change, field):
    body = {"name": "x", "assists_needed": 3, "prize_kind": "coupon", "budget": 3000, "winners": 5,
            "min_prize": 100, "max_prize": 1500, **change}
    reply = api.post(CAMPAIGNS, body, token=shop["api_key"])
    assert reply.status == 422 and reply.body["error"]["field"] == field, reply.body


def test_another_shop_cannot_reach_this_shops_red_packets(api, shop, shopper, platform_key):
    campaign_id = campaign(api, shop)
    packet = start(api, shopper, campaign_id)
    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    stranger = api.login(other["shop_id"], "mallory")
    assert api.get(f"/v1/red-packets/{packet['id']}", token=stranger["token"]).status == 404
    assert assist(api, stranger, packet["id"]).status == 404
    assert api.post(f"/v1/red-packet-campaigns/{campaign_id}/packets", token=stranger["token"]).status == 404
    assert api.get(f"{CAMPAIGNS}/{campaign_id}", token=other["api_key"]).status == 404
    assert api.post(f"{CAMPAIGNS}/{campaign_id}/end", token=other["api_key"]).status == 404
