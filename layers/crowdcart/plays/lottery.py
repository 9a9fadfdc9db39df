"""Lottery core: campaigns, the entry counter and its once-per-cause earnings, prize grants.

Entries are earned by joining (`join`), check-ins (`check_in:<date>`), paid orders (`order:<id>`)
and shares (`share:<id>`, under a daily cap): each a marker put only if absent together with the
counter's ADD. A draw (functions/lottery) takes one entry with `entries >= 1` as its condition.
"""
from typing import Any, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.games import Lottery, LotteryDraw, LotteryEntries, end_sort_key, lottery_user_pk
from crowdcart.db.writes import ConditionFailed, Transaction, update_if
from crowdcart.domain import lottery as rules
from crowdcart.errors import not_found
from crowdcart.ids import is_id
from crowdcart.observability import business_event
from crowdcart.plays import common, prizes

KIND = "lottery"  # the analytics kind
UPCOMING, ACTIVE, ENDED = "upcoming", "active", "ended"
STREAM_TIME_PRECISION = 60  # stream records' ApproximateCreationDateTime is rounded down to the minute


def load(shop_id: str, lottery_id: str, consistent: bool = False) -> Lottery:
    """The lottery; 404 `lottery_not_found`."""
    if not is_id(lottery_id):
        raise not_found("lottery", lottery_id)
    try:
        return Lottery.get(*Lottery.key(shop_id, lottery_id), consistent_read=consistent)
    except DoesNotExist as exc:
        raise not_found("lottery", lottery_id) from exc


def status(lottery: Lottery, moment: int) -> str:
    """upcoming, active or ended."""
    if moment >= int(lottery.ends_at):
        return ENDED
    return UPCOMING if moment < int(lottery.starts_at) else ACTIVE


def active(shop_id: str, moment: Optional[int] = None, until: Optional[int] = None) -> List[Lottery]:
    """The shop's lotteries running at `moment` (one GSI1 range: ending after it). With `until`, those
    running at some time in [moment, until] — stream record times are rounded down to the minute."""
    at = moment or now()
    latest = max(at, until or at)
    found = Lottery.gsi1.query(Lottery.list_partition(shop_id), Lottery.GSI1SK > end_sort_key(at, "~"))
    return [item for item in found if int(item.starts_at) <= latest]


def prize_list(lottery: Lottery) -> List[rules.Prize]:
    """The lottery's prizes as the draw rules see them."""
    return [rules.Prize(p["prize_id"], p["kind"], int(p["probability_ppm"]),
                        None if p.get("stock") is None else int(p["stock"])) for p in lottery.prizes]


def prize_by_id(lottery: Lottery, prize_id: Optional[str]) -> Optional[Dict[str, Any]]:
    """The stored prize definition, or None."""
    return next((p for p in lottery.prizes if p["prize_id"] == prize_id), None)


def add_entries(shop_id: str, lottery_id: str, user_id: str, amount: int) -> common.Layout:
    """A layout adding `amount` entries to the shopper's counter (creating it)."""
    def add(tx: Transaction) -> None:
        tx.update("entries", LotteryEntries(*LotteryEntries.key(shop_id, lottery_id, user_id)),
                  [LotteryEntries.entity.set(LotteryEntries), LotteryEntries.entries.add(amount),
                   LotteryEntries.earned.add(amount)])

    return add


def earn(shop_id: str, lottery: Lottery, user_id: str, cause: str, amount: int, *,
         daily_cap: int = 0, at: Optional[int] = None) -> str:
    """Credit entries once per cause (a share also under the daily cap); earned, duplicate or capped."""
    if amount <= 0:
        return common.DUPLICATE
    partition = lottery_user_pk(shop_id, lottery.lottery_id, user_id)
    cap = common.share_cap(partition, daily_cap, at) if daily_cap else None
    result = common.earn_once(partition, cause, amount, add_entries(shop_id, lottery.lottery_id, user_id, amount),
                              at, cap)
    if result == common.EARNED:
        business_event("LotteryEntriesEarned", shop_id=shop_id, lottery_id=lottery.lottery_id,
                       cause=cause.split(":")[0])
    return result


def entries(shop_id: str, lottery_id: str, user_id: str, consistent: bool = True) -> Dict[str, int]:
    """The shopper's entry counter (zeros before any)."""
    try:
        item = LotteryEntries.get(*LotteryEntries.key(shop_id, lottery_id, user_id), consistent_read=consistent)
    except DoesNotExist:
        return {"entries": 0, "earned": 0, "used": 0}
    return {"entries": int(item.entries or 0), "earned": int(item.earned or 0), "used": int(item.used or 0)}


def earn_for_order(shop_id: str, user_id: str, order_id: str, paid_fen: int, at: int) -> int:
    """Entries for a paid order in every running lottery that gives them; returns how many lotteries."""
    credited = 0
    for lottery in active(shop_id, at):
        if int(lottery.order_entries or 0) > 0 and paid_fen >= int(lottery.order_min_fen or 0):
            credited += earn(shop_id, lottery, user_id, f"order:{order_id}", int(lottery.order_entries), at=at) \
                == common.EARNED
    return credited


def earn_for_check_in(shop_id: str, user_id: str, day: str, at: int) -> int:
    """Entries for a day's check-in in every lottery running then that gives them (`at` is the stream
    record's time, rounded down to the minute); returns how many lotteries."""
    credited = 0
    for lottery in active(shop_id, at, at + STREAM_TIME_PRECISION):
        if int(lottery.check_in_entries or 0) > 0:
            credited += earn(shop_id, lottery, user_id, f"check_in:{day}", int(lottery.check_in_entries), at=at) \
                == common.EARNED
    return credited


def grant_draw(shop_id: str, lottery_id: str, user_id: str, draw_id: str,
               lottery: Optional[Lottery] = None) -> Optional[Dict[str, Any]]:
    """Issue a winning draw's prize once (cause `lottery:<l>:<draw>`) and record it on the draw;
    returns what was granted (None for thanks or an unknown draw)."""
    try:
        draw = LotteryDraw.get(*LotteryDraw.key(shop_id, lottery_id, user_id, draw_id), consistent_read=True)
    except DoesNotExist:
        return None
    if draw.granted_at is not None:
        return draw.granted
    prize = prize_by_id(lottery or load(shop_id, lottery_id), draw.prize_id)
    if prize is None or prize["kind"] == rules.THANKS:
        return None
    granted = prizes.grant(shop_id, user_id, prize, f"lottery:{lottery_id}:{draw_id}", "lottery")
    try:
        update_if("draw", LotteryDraw(draw.PK, draw.SK), [LotteryDraw.granted.set(granted),
                                                          LotteryDraw.granted_at.set(now())],
                  LotteryDraw.granted_at.does_not_exist())
    except ConditionFailed:
        pass  # granted concurrently (the reaction and the request): the same coupon, by cause
    return granted
