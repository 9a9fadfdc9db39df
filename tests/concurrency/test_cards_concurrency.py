"""Card collecting under contention against DynamoDB Local: a full set redeemed from two devices at once
gives one prize; a prize stock is never exceeded; a gift is claimed by one friend."""
from collections import Counter

from crowdcart.clock import now
from crowdcart.db.models.games import CardAlbum, CardPrizeStock
from crowdcart.errors import Conflict
from crowdcart.plays import cards as core
from crowdcart.rewards import points
from functions.cards import schemas, service
from tests.concurrency.conftest import make_shoppers, race

KINDS = [{"name": n, "weight": w} for n, w in (("富强", 30), ("和谐", 30), ("友善", 30), ("敬业", 10))]


def card_set(shop_id, prize_stock=None):
    body = schemas.CreateCardSet(name="集卡", ends_at=now() + 3600, kinds=KINDS, prize_stock=prize_stock,
                                 prize={"name": "1000 积分", "kind": "points", "points": 1000})
    return service.create_card_set(shop_id, body.model_dump())["id"]


def full_album(shop_id, set_id, user_id, each=1):
    core.ensure_album(core.load(shop_id, set_id), user_id)
    CardAlbum(*CardAlbum.key(shop_id, set_id, user_id)).update(
        actions=[CardAlbum.cards[f"k{i}"].add(each) for i in range(1, 5)])


def test_a_full_set_redeemed_from_two_devices_at_once_gives_one_prize(shop):
    shop_id = shop["shop_id"]
    set_id = card_set(shop_id)
    users = make_shoppers(shop_id, 10)
    for user_id in users:
        full_album(shop_id, set_id, user_id, each=2)  # enough cards for two sets: only the rule stops a second
    results = race([lambda u=u: service.redeem(shop_id, set_id, u) for u in users for _ in range(2)])
    redeemed = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(redeemed) == 10 and len(refused) == 10, [r for r in results if not isinstance(r, (dict, Conflict))]
    assert {r.code for r in refused} == {"already_redeemed"}
    assert Counter(r["user_id"] for r in redeemed) == {u: 1 for u in users}
    for user_id in users:
        assert points.balance(shop_id, user_id, True) == 1000
        album = core.get_album(shop_id, set_id, user_id)
        assert core.cards_of(album) == {"k1": 1, "k2": 1, "k3": 1, "k4": 1} and album.redeemed_at


def test_30_full_sets_racing_for_a_prize_stock_of_7(shop):
    shop_id = shop["shop_id"]
    set_id = card_set(shop_id, prize_stock=7)
    users = make_shoppers(shop_id, 30)
    for user_id in users:
        full_album(shop_id, set_id, user_id)
    results = race([lambda u=u: service.redeem(shop_id, set_id, u) for u in users])
    redeemed = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(redeemed) == 7 and len(refused) == 23 and {r.code for r in refused} == {"prize_sold_out"}
    stock = CardPrizeStock.get(*CardPrizeStock.key(shop_id, set_id), consistent_read=True)
    assert (stock.remaining, stock.redeemed) == (0, 7)
    assert sum(points.balance(shop_id, u, True) for u in users) == 7 * 1000


def test_a_gift_opened_by_20_friends_at_once_is_claimed_once(shop):
    shop_id = shop["shop_id"]
    set_id = card_set(shop_id)
    giver, *friends = make_shoppers(shop_id, 21)
    full_album(shop_id, set_id, giver, each=2)
    gift = service.give(shop_id, set_id, giver, "k4")
    results = race([lambda f=f: service.claim(shop_id, gift["id"], f) for f in friends])
    claimed = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(claimed) == 1 and len(refused) == 19 and {r.code for r in refused} == {"gift_unavailable"}
    total = sum(core.cards_of(core.get_album(shop_id, set_id, f)).get("k4", 0) for f in friends)
    assert total == 1 and core.cards_of(core.get_album(shop_id, set_id, giver))["k4"] == 1
