"""Lottery draws under contention against DynamoDB Local: a prize never goes beyond its stock, and a
shopper never draws more often than their entries."""
from collections import Counter

from crowdcart.clock import now
from crowdcart.db.models.games import LotteryEntries, LotteryPrizeStock
from crowdcart.errors import Conflict
from crowdcart import analytics
from crowdcart.rewards import points
from functions.lottery import schemas, service
from tests.concurrency.conftest import make_shoppers, race


def lottery(shop_id, stock):
    """A lottery whose only prize (points) comes up on every draw, with `stock` of it."""
    body = schemas.CreateLottery(name="秒抽", ends_at=now() + 3600, prizes=[
        {"name": "88 积分", "kind": "points", "points": 88, "probability_ppm": 1_000_000, "stock": stock}])
    return service.create_lottery(shop_id, body.model_dump())["id"]


def give_entries(shop_id, lottery_id, users, entries):
    with LotteryEntries.batch_write() as batch:
        for user_id in users:
            batch.save(LotteryEntries(*LotteryEntries.key(shop_id, lottery_id, user_id), entries=entries,
                                      earned=entries, used=0))


def test_one_shopper_with_3_entries_tapping_20_times_draws_3_times(shop):
    shop_id = shop["shop_id"]
    lottery_id = lottery(shop_id, stock=100)
    (user,) = make_shoppers(shop_id, 1)
    give_entries(shop_id, lottery_id, [user], 3)
    results = race([lambda: service.draw(shop_id, lottery_id, user) for _ in range(20)])
    drawn = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(drawn) == 3 and len(refused) == 17 and all(r.code == "no_entries" for r in refused)
    entries = LotteryEntries.get(*LotteryEntries.key(shop_id, lottery_id, user), consistent_read=True)
    assert (entries.entries, entries.used) == (0, 3)
    counter = LotteryPrizeStock.get(*LotteryPrizeStock.key(shop_id, lottery_id, "p1"), consistent_read=True)
    assert (counter.remaining, counter.won) == (97, 3)  # units reserved by refused taps were given back
    assert points.balance(shop_id, user, True) == 3 * 88
    assert analytics.stats(shop_id, "lottery", lottery_id)["participants"] == 1


def draw_all(shop_id, lottery_id, users):
    """Every shopper draws once, all at once; returns Counter of (result, fell_through)."""
    results = race([lambda u=u: service.draw(shop_id, lottery_id, u) for u in users], threads=len(users))
    assert [r for r in results if not isinstance(r, dict)] == []
    return results, Counter((r["result"], r["fell_through"]) for r in results)


def test_a_prize_with_stock_5_and_200_concurrent_draws_is_won_5_times(shop):
    shop_id = shop["shop_id"]
    users = make_shoppers(shop_id, 200)
    for crowd, stock in ((10, 1), (50, 2)):  # smaller crowds first: DynamoDB Local's JVM warms up on this path
        warm_up = lottery(shop_id, stock=stock)
        give_entries(shop_id, warm_up, users[:crowd], 1)
        assert draw_all(shop_id, warm_up, users[:crowd])[1] == {("won", False): stock, ("thanks", True): crowd - stock}

    lottery_id = lottery(shop_id, stock=5)
    give_entries(shop_id, lottery_id, users, 1)
    results, outcomes = draw_all(shop_id, lottery_id, users)
    assert outcomes == {("won", False): 5, ("thanks", True): 195}  # every loser picked the prize, then found it gone
    counter = LotteryPrizeStock.get(*LotteryPrizeStock.key(shop_id, lottery_id, "p1"), consistent_read=True)
    assert (counter.remaining, counter.won) == (0, 5)
    winners = [r for r in results if r["result"] == "won"]
    assert sum(points.balance(shop_id, u, True) for u in users) == (1 + 2 + 5) * 88
    assert len({w["draw_id"] for w in winners}) == 5
    assert all(LotteryEntries.get(*LotteryEntries.key(shop_id, lottery_id, u), consistent_read=True).entries == 0
               for u in users)
    assert analytics.stats(shop_id, "lottery", lottery_id)["participants"] == 200
