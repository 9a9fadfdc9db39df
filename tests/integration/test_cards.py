"""Card collecting over HTTP against DynamoDB Local: set-up, albums and draws, friends' assists, gifts
of duplicates (claimed once), one redemption per full set, draws from orders and shares, the tenant wall."""
import random

import pytest

from crowdcart.clock import now
from crowdcart.db.models.games import CardAlbum, CardGift
from crowdcart.db.models.shops import Shopper
from crowdcart.plays import cards as core
from crowdcart.rewards import points
from functions.cards import service
from tests.fakes import rewards
from tests.fakes.catalog import make_sku
from tests.fakes.orders import load_order, wechat_sandbox  # noqa: F401
from tests.fakes.stream import drain, replay

HOUR = 3600
KINDS = [{"name": "富强", "weight": 30}, {"name": "和谐", "weight": 30}, {"name": "友善", "weight": 30},
         {"name": "敬业", "weight": 10}]
POINTS_PRIZE = {"name": "1000 积分", "kind": "points", "points": 1000}


def create(api, shop, **fields):
    body = {"name": "集五福", "ends_at": now() + 24 * HOUR, "kinds": KINDS, "prize": POINTS_PRIZE}
    body.update(fields)
    reply = api.post("/admin/v1/card-sets", body, token=shop["api_key"])
    assert reply.status == 201, reply.body
    return reply.body["id"]


def give_cards(shop_id, set_id, user_id, **counts):
    """Put cards straight into an album (as draws would)."""
    core.ensure_album(core.load(shop_id, set_id), user_id)
    CardAlbum(*CardAlbum.key(shop_id, set_id, user_id)).update(
        actions=[CardAlbum.cards[k].add(n) for k, n in counts.items()])


class Sequence(random.Random):
    """A generator whose draws land on the given points, in order."""

    def __init__(self, points_):
        super().__init__(0)
        self.points = list(points_)

    def randrange(self, *_):
        return self.points.pop(0)


def album(api, shopper, set_id):
    reply = api.get(f"/v1/card-sets/{set_id}/album", token=shopper["token"])
    assert reply.status == 200, reply.body
    return reply.body


def test_set_up_validation_names_the_field(api, shop):
    template = rewards.template(api, shop, quota=3, public=False)
    base = {"name": "x", "ends_at": now() + HOUR, "kinds": KINDS, "prize": POINTS_PRIZE}
    bad = [({"kinds": KINDS[:1]}, "kinds"), ({"kinds": [{"name": "a", "weight": 0}] * 2}, "kinds.0.weight"),
           ({"prize": {"name": "券", "kind": "coupon", "template_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}},
            "prize.template_id"),
           ({"prize": {"name": "券", "kind": "coupon", "template_id": template["id"]}, "prize_stock": 4}, "prize.stock"),
           ({"prize": {"name": "券", "kind": "coupon"}}, "prize"), ({"ends_at": now() - 1}, "ends_at")]
    for change, field in bad:
        reply = api.post("/admin/v1/card-sets", dict(base, **change), token=shop["api_key"])
        assert reply.status == 422 and reply.body["error"]["field"].startswith(field), (change, reply.body)


def test_join_draw_by_rarity_until_draws_run_out(api, shop, shopper):
    set_id = create(api, shop, initial_draws=3)
    shown = api.get(f"/v1/card-sets/{set_id}", token=shopper["token"]).body
    assert [k["chance_percent"] for k in shown["kinds"]] == [30.0, 30.0, 30.0, 10.0]
    joined = api.post(f"/v1/card-sets/{set_id}/join", token=shopper["token"]).body
    assert (joined["draws"], joined["cards"]) == (3, {"k1": 0, "k2": 0, "k3": 0, "k4": 0})
    api.post(f"/v1/card-sets/{set_id}/join", token=shopper["token"])  # joining again gives nothing
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    drawn = [service.draw(shop_id, set_id, user_id, rng=Sequence([p]))["kind_id"] for p in (0, 95, 95)]
    assert drawn == ["k1", "k4", "k4"]
    empty = api.post(f"/v1/card-sets/{set_id}/draws", token=shopper["token"])
    assert empty.status == 409 and empty.body["error"]["code"] == "no_draws"
    mine = album(api, shopper, set_id)
    assert (mine["cards"], mine["missing"], mine["duplicates"]) == ({"k1": 1, "k2": 0, "k3": 0, "k4": 2}, ["k2", "k3"],
                                                                   {"k4": 1})
    assert (mine["draws"], mine["draws_used"], mine["complete"]) == (0, 3, False)


def test_keyed_draws_happen_once(api, shop, shopper):
    set_id = create(api, shop, initial_draws=2)
    api.post(f"/v1/card-sets/{set_id}/join", token=shopper["token"])
    first = api.post(f"/v1/card-sets/{set_id}/draws", token=shopper["token"], headers={"Idempotency-Key": "t1"})
    again = api.post(f"/v1/card-sets/{set_id}/draws", token=shopper["token"], headers={"Idempotency-Key": "t1"})
    assert first.status == 201 and again.body["replayed"] and again.body["draw_id"] == first.body["draw_id"]
    assert album(api, shopper, set_id)["draws"] == 1


def test_friends_assist_once_within_the_cap_and_count_as_new_users(api, shop, shopper):
    set_id = create(api, shop, initial_draws=0, assist_draws=2, assists_cap=2)
    shop_id = shop["shop_id"]
    Shopper(*Shopper.key(shop_id, shopper["user_id"])).update(actions=[Shopper.created_at.set(now() - 86400)])
    owner = shopper["user_id"]
    friend = api.login(shop_id, "bob")
    assert api.post(f"/v1/card-sets/{set_id}/albums/{owner}/assists", token=friend["token"]).status == 404
    api.post(f"/v1/card-sets/{set_id}/join", token=shopper["token"])
    helped = api.post(f"/v1/card-sets/{set_id}/albums/{owner}/assists", token=friend["token"])
    assert helped.status == 201 and helped.body == {"owner_id": owner, "draws_given": 2, "is_new": True}
    twice = api.post(f"/v1/card-sets/{set_id}/albums/{owner}/assists", token=friend["token"])
    assert twice.status == 409 and twice.body["error"]["code"] == "already_assisted"
    own = api.post(f"/v1/card-sets/{set_id}/albums/{owner}/assists", token=shopper["token"])
    assert own.body["error"]["code"] == "own_album"
    assert api.post(f"/v1/card-sets/{set_id}/albums/{owner}/assists",
                    token=api.login(shop_id, "carol")["token"]).status == 201
    full = api.post(f"/v1/card-sets/{set_id}/albums/{owner}/assists", token=api.login(shop_id, "dan")["token"])
    assert full.status == 409 and full.body["error"]["code"] == "assist_limit_reached"
    seen = api.get(f"/v1/card-sets/{set_id}/albums/{owner}", token=friend["token"]).body
    assert (seen["draws"], seen["assists"]) == (4, 2)
    stats = api.get(f"/admin/v1/campaigns/card_collect/{set_id}/stats", token=shop["api_key"]).body
    assert (stats["participants"], stats["new_users"]) == (3, 2)  # the owner, bob and carol (dan was refused)


def test_a_duplicate_is_given_to_one_friend_once(api, shop, shopper):
    set_id = create(api, shop)
    shop_id, giver = shop["shop_id"], shopper["user_id"]
    give_cards(shop_id, set_id, giver, k1=1, k2=2)
    single = api.post(f"/v1/card-sets/{set_id}/gifts", {"kind_id": "k1"}, token=shopper["token"])
    assert single.status == 409 and single.body["error"]["code"] == "no_duplicate"
    assert api.post(f"/v1/card-sets/{set_id}/gifts", {"kind_id": "k9"}, token=shopper["token"]).status == 422
    gift = api.post(f"/v1/card-sets/{set_id}/gifts", {"kind_id": "k2"}, token=shopper["token"]).body
    assert gift["status"] == "open" and album(api, shopper, set_id)["cards"]["k2"] == 1
    assert api.post(f"/v1/card-gifts/{gift['id']}/claim", token=shopper["token"]).body["error"]["code"] == "own_gift"
    bob, carol = api.login(shop_id, "bob"), api.login(shop_id, "carol")
    claimed = api.post(f"/v1/card-gifts/{gift['id']}/claim", token=bob["token"])
    assert claimed.status == 200 and claimed.body["status"] == "claimed"
    assert claimed.body["receiver_id"] == bob["user_id"]
    late = api.post(f"/v1/card-gifts/{gift['id']}/claim", token=carol["token"])
    assert late.status == 409 and late.body["error"]["code"] == "gift_unavailable"
    assert api.post(f"/v1/card-gifts/{gift['id']}/cancel", token=shopper["token"]).status == 409
    assert album(api, bob, set_id)["cards"]["k2"] == 1 and album(api, shopper, set_id)["cards"]["k2"] == 1


def test_a_gift_can_be_taken_back_and_expires(api, shop, shopper):
    set_id = create(api, shop)
    shop_id = shop["shop_id"]
    give_cards(shop_id, set_id, shopper["user_id"], k3=4)
    first = api.post(f"/v1/card-sets/{set_id}/gifts", {"kind_id": "k3"}, token=shopper["token"]).body
    bob = api.login(shop_id, "bob")
    assert api.post(f"/v1/card-gifts/{first['id']}/cancel", token=bob["token"]).status == 404
    assert api.post(f"/v1/card-gifts/{first['id']}/cancel", token=shopper["token"]).body["status"] == "cancelled"
    assert album(api, shopper, set_id)["cards"]["k3"] == 4
    second = api.post(f"/v1/card-sets/{set_id}/gifts", {"kind_id": "k3"}, token=shopper["token"]).body
    CardGift(*CardGift.key(shop_id, second["id"])).update(actions=[CardGift.expires_at.set(now() - 1)])
    assert api.get(f"/v1/card-gifts/{second['id']}", token=bob["token"]).body["status"] == "expired"
    assert api.post(f"/v1/card-gifts/{second['id']}/claim", token=bob["token"]).status == 409
    assert api.post(f"/v1/card-gifts/{second['id']}/cancel", token=shopper["token"]).status == 200
    assert album(api, shopper, set_id)["cards"]["k3"] == 4


def test_a_full_set_is_redeemed_once_for_its_prize(api, shop, shopper):
    template = rewards.template(api, shop, quota=5, public=False)
    set_id = create(api, shop, prize={"name": "满减券", "kind": "coupon", "template_id": template["id"]}, prize_stock=1)
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    give_cards(shop_id, set_id, user_id, k1=1, k2=1, k3=2)
    incomplete = api.post(f"/v1/card-sets/{set_id}/redemptions", token=shopper["token"])
    assert incomplete.status == 409 and incomplete.body["error"]["missing"] == ["k4"]
    give_cards(shop_id, set_id, user_id, k4=1)
    redeemed = api.post(f"/v1/card-sets/{set_id}/redemptions", token=shopper["token"])
    assert redeemed.status == 201 and redeemed.body["granted"]["issued"], redeemed.body
    again = api.post(f"/v1/card-sets/{set_id}/redemptions", token=shopper["token"])
    assert again.status == 409 and again.body["error"]["code"] == "already_redeemed"
    mine = album(api, shopper, set_id)
    assert mine["redeemed"] and mine["cards"] == {"k1": 0, "k2": 0, "k3": 1, "k4": 0}
    wallet = api.get("/v1/me/coupons?status=unused", token=shopper["token"]).body["items"]
    assert [c["id"] for c in wallet] == [redeemed.body["granted"]["coupon_id"]]
    drain(shop_id)
    replay(shop_id)
    assert len(api.get("/v1/me/coupons?status=unused", token=shopper["token"]).body["items"]) == 1

    bob = api.login(shop_id, "bob")
    give_cards(shop_id, set_id, bob["user_id"], k1=1, k2=1, k3=1, k4=1)
    sold = api.post(f"/v1/card-sets/{set_id}/redemptions", token=bob["token"])
    assert sold.status == 409 and sold.body["error"]["code"] == "prize_sold_out"
    assert not album(api, bob, set_id)["redeemed"]  # nothing was taken
    assert api.get(f"/admin/v1/card-sets/{set_id}", token=shop["api_key"]).body["prize_remaining"] == 0
    listed = api.get(f"/admin/v1/card-sets/{set_id}/redemptions", token=shop["api_key"]).body["items"]
    assert [r["user_id"] for r in listed] == [user_id]


@pytest.mark.usefixtures("wechat_sandbox")
def test_draws_from_orders_and_shares(api, shop, shopper):
    from crowdcart.payments.sandbox import pay_order

    set_id = create(api, shop, initial_draws=0, order_draws=2, share_draws=1, share_daily_cap=1)
    shop_id = shop["shop_id"]
    order_id = rewards.order(api, shopper, make_sku(shop_id, price_fen=990)).body["id"]
    assert pay_order(load_order(shop_id, order_id))["notification"]["outcome"] == "paid"
    drain(shop_id)
    replay(shop_id)
    assert album(api, shopper, set_id)["draws"] == 2
    shares = [api.post(f"/v1/card-sets/{set_id}/shares", {"share_id": s}, token=shopper["token"]).body
              for s in ("a", "b")]
    assert [(s["credited"], s["capped"]) for s in shares] == [(1, False), (0, True)] and shares[1]["draws"] == 3
    assert api.get(f"/admin/v1/campaigns/card_collect/{set_id}/stats", token=shop["api_key"]).body["shares"] == 2
    payload = api.get(f"/v1/card-sets/{set_id}/share", token=shopper["token"]).body
    assert payload["path"] == f"/pages/cards/index?set={set_id}&owner={shopper['user_id']}"


def test_ended_sets_and_the_tenant_wall(api, shop, shopper, platform_key):
    set_id = create(api, shop)
    api.post(f"/v1/card-sets/{set_id}/join", token=shopper["token"])
    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    stranger = api.login(other["shop_id"], "eve")
    for reply in (api.get(f"/v1/card-sets/{set_id}", token=stranger["token"]),
                  api.post(f"/v1/card-sets/{set_id}/draws", token=stranger["token"]),
                  api.get(f"/v1/card-sets/{set_id}/albums/{shopper['user_id']}", token=stranger["token"]),
                  api.get(f"/admin/v1/card-sets/{set_id}", token=other["api_key"])):
        assert reply.status == 404, reply.body
    assert api.get("/admin/v1/card-sets", token=other["api_key"]).body["items"] == []
    assert api.post(f"/admin/v1/card-sets/{set_id}/end", token=shop["api_key"]).body["status"] == "ended"
    closed = api.post(f"/v1/card-sets/{set_id}/draws", token=shopper["token"])
    assert closed.status == 409 and closed.body["error"]["code"] == "card_set_ended"
    assert points.balance(shop["shop_id"], shopper["user_id"]) == 0
