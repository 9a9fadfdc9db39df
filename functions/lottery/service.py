"""Lotteries: set-up, entries (crowdcart.plays.lottery), draws and their prizes.

A draw picks a prize with the published probabilities (crowdcart.domain.lottery) and, for a stocked
prize, reserves one unit with a conditional single-item update (`remaining >= 1`); when none is left
the draw is "thanks" — a prize is never handed out beyond its stock. Then one transaction takes an
entry (`entries >= 1`), records the draw (only if absent: the same Idempotency-Key draws once) and, on
the shopper's first draw, counts their participation; if it fails, the reserved unit is given back (a
crash in between can only leave a unit unused, never oversell). The prize is then issued once by
cause (and by a stream reaction should the request stop before).
"""
import random
from typing import Any, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart import analytics
from crowdcart.clock import iso, now
from crowdcart.db.models.games import (Lottery, LotteryDraw, LotteryEntries, LotteryPrizeStock, LotteryRelease,
                                       PlayEarning, end_sort_key, lottery_pk, lottery_user_pk)
from crowdcart.db.writes import ConditionFailed, TokenAlreadyUsed, Transaction, run_transaction, update_if
from crowdcart.domain import lottery as rules
from crowdcart.errors import Conflict, not_found, validation_error
from crowdcart.ids import derived_id, is_id, new_id
from crowdcart.observability import business_event
from crowdcart.pagination import decode_cursor, encode_cursor
from crowdcart.plays import common, prizes
from crowdcart.plays import lottery as core

RECENT_DRAWS = 20


def create_lottery(shop_id: str, fields: Dict[str, Any]) -> Dict[str, str]:
    """Create a lottery and one stock counter per prize, in one transaction."""
    moment = now()
    starts = fields["starts_at"] or moment
    if fields["ends_at"] <= moment:
        raise validation_error("ends_at", "must be in the future")
    stored = []
    for index, (prize_id, prize) in enumerate(zip(rules.prize_ids(len(fields["prizes"])), fields["prizes"])):
        prizes.check(shop_id, prize, prize["stock"] if prize["kind"] != rules.THANKS else None, f"prizes.{index}")
        stored.append(dict(prize, prize_id=prize_id, stock=None if prize["kind"] == rules.THANKS else prize["stock"]))
    try:
        rules.validate([rules.Prize(p["prize_id"], p["kind"], p["probability_ppm"], p["stock"]) for p in stored])
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise validation_error(field, message) from exc
    lottery_id = new_id()
    lottery = Lottery(*Lottery.key(shop_id, lottery_id), lottery_id=lottery_id, shop_id=shop_id,
                      name=fields["name"], description=fields["description"], prizes=stored, starts_at=starts,
                      ends_at=fields["ends_at"], created_at=moment,
                      GSI1PK=Lottery.list_partition(shop_id), GSI1SK=end_sort_key(fields["ends_at"], lottery_id),
                      **{name: fields[name] for name in ("initial_entries", "check_in_entries", "order_entries",
                                                         "order_min_fen", "share_entries", "share_daily_cap",
                                                         "share_title", "share_image_url")})

    def build() -> Transaction:
        tx = Transaction()
        tx.put("lottery", lottery, Lottery.PK.does_not_exist())
        for prize in stored:
            if prize["kind"] != rules.THANKS:
                tx.put(f"stock:{prize['prize_id']}", LotteryPrizeStock(
                    *LotteryPrizeStock.key(shop_id, lottery_id, prize["prize_id"]), prize_id=prize["prize_id"],
                    remaining=prize["stock"], won=0))
        return tx

    run_transaction(build)
    business_event("LotteryCreated", shop_id=shop_id, lottery_id=lottery_id)
    return {"id": lottery_id}


def _stocks(shop_id: str, lottery_id: str) -> Dict[str, LotteryPrizeStock]:
    found = LotteryPrizeStock.query(lottery_pk(shop_id, lottery_id), LotteryPrizeStock.SK.startswith("PRIZE#"),
                                    consistent_read=True)
    return {item.prize_id: item for item in found}


def prize_view(prize: Dict[str, Any], stock: Optional[LotteryPrizeStock] = None) -> Dict[str, Any]:
    """A prize as shown, with its counters when known."""
    body = {name: prize.get(name) for name in ("prize_id", "name", "kind", "stock", "points", "template_id",
                                               "product_id", "image_url")}
    body["probability_ppm"] = int(prize["probability_ppm"])
    body["probability_percent"] = round(int(prize["probability_ppm"]) / 10_000, 4)
    if stock is not None:
        body.update(remaining=int(stock.remaining), won=int(stock.won or 0))
    return body


def lottery_view(lottery: Lottery, moment: int,
                 stocks: Optional[Dict[str, LotteryPrizeStock]] = None) -> Dict[str, Any]:
    """A lottery as shown to shoppers and merchants."""
    return {"id": lottery.lottery_id, "name": lottery.name, "description": lottery.description,
            "starts_at": int(lottery.starts_at), "ends_at": int(lottery.ends_at),
            "status": core.status(lottery, moment),
            "prizes": [prize_view(p, (stocks or {}).get(p["prize_id"])) for p in lottery.prizes],
            "thanks_probability_ppm": rules.PPM - sum(int(p["probability_ppm"]) for p in lottery.prizes
                                                      if p["kind"] != rules.THANKS),
            **{name: int(getattr(lottery, name) or 0) for name in ("initial_entries", "check_in_entries",
                                                                   "order_entries", "order_min_fen", "share_entries",
                                                                   "share_daily_cap")}}


def get_lottery(shop_id: str, lottery_id: str) -> Dict[str, Any]:
    """One lottery with each prize's remaining stock."""
    lottery = core.load(shop_id, lottery_id)
    return lottery_view(lottery, now(), _stocks(shop_id, lottery_id))


def list_lotteries(shop_id: str, limit: int, cursor: Optional[str], for_merchant: bool = False) -> Dict[str, Any]:
    """Merchant: every lottery, latest end first. Shoppers: those not ended, ending soonest first."""
    moment = now()
    if for_merchant:
        page = Lottery.gsi1.query(Lottery.list_partition(shop_id), scan_index_forward=False, limit=limit,
                                  last_evaluated_key=decode_cursor(shop_id, cursor))
    else:
        page = Lottery.gsi1.query(Lottery.list_partition(shop_id), Lottery.GSI1SK > end_sort_key(moment, "~"),
                                  limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    return {"items": [lottery_view(item, moment) for item in page],
            "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def end_lottery(shop_id: str, lottery_id: str) -> Dict[str, Any]:
    """End a lottery now (no more draws or entries)."""
    lottery, moment = core.load(shop_id, lottery_id, consistent=True), now()
    try:
        update_if("lottery", Lottery(lottery.PK, lottery.SK),
                  [Lottery.ends_at.set(moment), Lottery.ended_early_at.set(moment),
                   Lottery.GSI1SK.set(end_sort_key(moment, lottery_id))], Lottery.ends_at > moment)
    except ConditionFailed as exc:
        raise Conflict("lottery_ended", "This lottery has already ended.") from exc
    return get_lottery(shop_id, lottery_id)


def _check_active(lottery: Lottery) -> None:
    state = core.status(lottery, now())
    if state != core.ACTIVE:
        raise Conflict(f"lottery_{state}", {"upcoming": "This lottery has not started yet.",
                                            "ended": "This lottery has ended."}[state])


def _active(shop_id: str, lottery_id: str) -> Lottery:
    lottery = core.load(shop_id, lottery_id)
    _check_active(lottery)
    return lottery


def join(shop_id: str, lottery_id: str, user_id: str) -> Dict[str, Any]:
    """Join a lottery: the welcome entries once, and the shopper counted as a participant."""
    lottery = _active(shop_id, lottery_id)
    amount = int(lottery.initial_entries or 0)
    partition = lottery_user_pk(shop_id, lottery_id, user_id)
    is_new = common.is_new_since(common.profile(shop_id, user_id), int(lottery.starts_at))

    def layout(tx: Transaction) -> None:
        tx.put("earn", PlayEarning(*PlayEarning.key(partition, "join"), cause="join", amount=amount, at=now()),
               PlayEarning.PK.does_not_exist())
        core.add_entries(shop_id, lottery_id, user_id, amount)(tx)

    joined = True
    try:
        common.commit_counted(layout, shop_id, core.KIND, lottery_id, user_id, is_new)
    except ConditionFailed as exc:
        if exc.label != "earn":
            raise
        joined = False
    return dict(core.entries(shop_id, lottery_id, user_id), lottery_id=lottery_id, joined_now=joined)


def draw_view(draw: LotteryDraw, lottery: Lottery, entries_left: Optional[int] = None,
              replayed: bool = False) -> Dict[str, Any]:
    """A draw's outcome."""
    prize = core.prize_by_id(lottery, draw.prize_id)
    won = draw.prize_kind != rules.THANKS
    return {"draw_id": draw.draw_id, "result": "won" if won else "thanks",
            "prize": prize_view(prize) if prize is not None else None,
            "fell_through": draw.picked_id is not None and draw.picked_id != draw.prize_id,
            "granted": draw.granted, "at": iso(int(draw.at)), "entries_left": entries_left, "replayed": replayed}


def _record(shop_id: str, lottery: Lottery, user_id: str, draw_id: str, picked: Optional[rules.Prize],
            given: Optional[rules.Prize], moment: int) -> LotteryDraw:
    shown = given or (picked if picked is not None and picked.kind == rules.THANKS else None)
    definition = core.prize_by_id(lottery, shown.prize_id) if shown else None
    wins = {"GSI2PK": LotteryDraw.wins_partition(shop_id, lottery.lottery_id),
            "GSI2SK": f"{moment:010d}#{draw_id}"} if given else {}
    return LotteryDraw(*LotteryDraw.key(shop_id, lottery.lottery_id, user_id, draw_id), draw_id=draw_id,
                       lottery_id=lottery.lottery_id, user_id=user_id, prize_id=shown.prize_id if shown else None,
                       prize_kind=given.kind if given else rules.THANKS,
                       prize_name=definition["name"] if definition else "",
                       picked_id=picked.prize_id if picked else None,
                       at=moment, GSI1PK=lottery_user_pk(shop_id, lottery.lottery_id, user_id) + "#DRAWS",
                       GSI1SK=f"{moment:010d}#{draw_id}", **wins)


def draw(shop_id: str, lottery_id: str, user_id: str, key: Optional[str] = None,
         rng: Optional[random.Random] = None) -> Dict[str, Any]:
    """Spend one entry on a draw; 409 `no_entries` without one. The same Idempotency-Key draws once.

    Reads are one BatchGet (lottery, entries, prize counters, profile, participation); writes the
    prize's reservation (stocked prizes only) and one transaction."""
    if not is_id(lottery_id):
        raise not_found("lottery", lottery_id)
    lottery_key, entries_key = Lottery.key(shop_id, lottery_id), LotteryEntries.key(shop_id, lottery_id, user_id)
    seen = common.read(shop_id, core.KIND, lottery_id, user_id, lottery_key, entries_key,
                       *[LotteryPrizeStock.key(shop_id, lottery_id, p) for p in rules.prize_ids(rules.MAX_PRIZES)])
    lottery = seen.items.get(lottery_key)
    if lottery is None:
        raise not_found("lottery", lottery_id)
    _check_active(lottery)
    draw_id = derived_id("lottery_draw", shop_id, lottery_id, user_id, key) if key else new_id()
    if key:
        replay = _find_draw(shop_id, lottery_id, user_id, draw_id)
        if replay is not None:
            return draw_view(replay, lottery, replayed=True)
    held = seen.items.get(entries_key)
    if held is None or int(held.entries or 0) < 1:
        raise _no_entries()
    picked = rules.pick(core.prize_list(lottery), rng or rules.system_rng())
    given = picked if rules.needs_stock(picked) else None
    if given is not None:  # a prize seen sold out is thanks without touching its (hot) counter
        counter = seen.items.get(LotteryPrizeStock.key(shop_id, lottery_id, given.prize_id))
        given = rules.handed_out(picked, in_stock=counter is not None and int(counter.remaining) >= 1)
    if given is not None and not _reserve(shop_id, lottery_id, given):
        given = rules.handed_out(picked, in_stock=False)  # out of stock: this draw becomes thanks
    record = _record(shop_id, lottery, user_id, draw_id, picked, given, now())

    def layout(tx: Transaction) -> None:
        tx.update("entries", LotteryEntries(*entries_key), [LotteryEntries.entries.add(-1), LotteryEntries.used.add(1)],
                  condition=LotteryEntries.entries >= 1)
        tx.put("draw", record, LotteryDraw.PK.does_not_exist())

    try:
        common.commit_counted(layout, shop_id, core.KIND, lottery_id, user_id,
                              common.is_new_since(seen.profile, int(lottery.starts_at)), seen.participated)
    except ConditionFailed as exc:
        if given is not None:
            _release(shop_id, lottery_id, given, draw_id)
        if exc.label == "entries":
            raise _no_entries() from exc
        if exc.label == "draw":
            return draw_view(_find_draw(shop_id, lottery_id, user_id, draw_id), lottery, replayed=True)
        raise
    except Exception:  # no definite answer (busy, unanswered): the transaction may or may not have committed
        committed = _recorded(shop_id, lottery_id, user_id, draw_id) if given is not None else False
        if committed is False and given is not None:
            _release(shop_id, lottery_id, given, draw_id)
        if committed is not True:
            raise
    business_event("LotteryDrawn", shop_id=shop_id, lottery_id=lottery_id, won=int(given is not None))
    if given is not None:
        record.granted = core.grant_draw(shop_id, lottery_id, user_id, draw_id, lottery)
    return draw_view(record, lottery, max(0, int(held.entries) - 1))


def _reserve(shop_id: str, lottery_id: str, prize: rules.Prize) -> bool:
    """Take one of the prize's stock (a conditional single-item update: the hot counter of a rush never
    joins a transaction, where it would conflict with every other draw's); False when none is left."""
    try:
        update_if("stock", LotteryPrizeStock(*LotteryPrizeStock.key(shop_id, lottery_id, prize.prize_id)),
                  [LotteryPrizeStock.remaining.add(-1), LotteryPrizeStock.won.add(1)],
                  LotteryPrizeStock.remaining >= 1)
    except ConditionFailed:
        return False
    return True


def _recorded(shop_id: str, lottery_id: str, user_id: str, draw_id: str) -> Optional[bool]:
    """After a transaction without a definite answer: did the draw commit? None when even that cannot be
    read — the reserved unit then stays taken: a unit lost, never a prize oversold."""
    try:
        return _find_draw(shop_id, lottery_id, user_id, draw_id) is not None
    except Exception:  # any failure to read means "unknown"
        return None


def _release(shop_id: str, lottery_id: str, prize: rules.Prize, draw_id: str) -> None:
    """Give back a reserved unit whose draw was not recorded — once per draw (a marker put only if absent,
    with the counter, under a token derived from the draw: a resent request cannot add it twice)."""
    def build() -> Transaction:
        tx = Transaction(derived_id("lottery_release", shop_id, lottery_id, draw_id))
        tx.put("release", LotteryRelease(*LotteryRelease.key(shop_id, lottery_id, draw_id), prize_id=prize.prize_id,
                                         at=now()), LotteryRelease.PK.does_not_exist())
        tx.update("stock", LotteryPrizeStock(*LotteryPrizeStock.key(shop_id, lottery_id, prize.prize_id)),
                  [LotteryPrizeStock.remaining.add(1), LotteryPrizeStock.won.add(-1)])
        return tx

    try:
        run_transaction(build)
    except (ConditionFailed, TokenAlreadyUsed):
        pass  # released before (by this draw's other request)


def _no_entries() -> Conflict:
    return Conflict("no_entries", "You have no draws left; earn more by checking in, ordering or sharing.")


def _find_draw(shop_id: str, lottery_id: str, user_id: str, draw_id: str) -> Optional[LotteryDraw]:
    try:
        return LotteryDraw.get(*LotteryDraw.key(shop_id, lottery_id, user_id, draw_id), consistent_read=True)
    except DoesNotExist:
        return None


def me(shop_id: str, lottery_id: str, user_id: str) -> Dict[str, Any]:
    """The caller's entries and latest draws."""
    lottery = core.load(shop_id, lottery_id)
    recent = LotteryDraw.gsi1.query(lottery_user_pk(shop_id, lottery_id, user_id) + "#DRAWS", scan_index_forward=False,
                                    limit=RECENT_DRAWS)
    return dict(core.entries(shop_id, lottery_id, user_id), lottery_id=lottery_id,
                draws=[draw_view(d, lottery) for d in recent])


def winners(shop_id: str, lottery_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """A lottery's winning draws, newest first (merchant)."""
    lottery = core.load(shop_id, lottery_id)
    page = LotteryDraw.gsi2.query(LotteryDraw.wins_partition(shop_id, lottery_id), scan_index_forward=False,
                                  limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    items: List[Dict[str, Any]] = [dict(draw_view(d, lottery), user_id=d.user_id) for d in page]
    return {"items": items, "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def share(shop_id: str, lottery_id: str, user_id: str, share_id: str) -> Dict[str, Any]:
    """A reported share: entries once per share id, up to the daily cap; counted in the campaign's shares."""
    lottery = _active(shop_id, lottery_id)
    amount, cap = int(lottery.share_entries or 0), int(lottery.share_daily_cap or 0)
    if amount > 0 and cap > 0:
        outcome = core.earn(shop_id, lottery, user_id, f"share:{share_id}", amount, daily_cap=cap)
    else:
        outcome = common.earn_once(lottery_user_pk(shop_id, lottery_id, user_id), f"share:{share_id}", 0,
                                   lambda tx: None)
    if outcome != common.DUPLICATE:
        analytics.record_share(shop_id, core.KIND, lottery_id)
    return {"share_id": share_id, "credited": amount if outcome == common.EARNED else 0,
            "capped": outcome == common.CAPPED, "duplicate": outcome == common.DUPLICATE,
            "entries": core.entries(shop_id, lottery_id, user_id)["entries"]}


def share_payload(shop_id: str, lottery_id: str, user_id: str) -> Dict[str, Any]:
    """The lottery's share card: title, image and the page path (with who shared it)."""
    lottery = core.load(shop_id, lottery_id)
    return {"title": lottery.share_title or lottery.name, "image_url": lottery.share_image_url,
            "path": f"/pages/lottery/index?id={lottery_id}&from={user_id}", "campaign_kind": core.KIND,
            "campaign_id": lottery_id}
