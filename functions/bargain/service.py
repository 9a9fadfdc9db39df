"""Bargains: merchant activities, sessions a shopper shares, and friends' cuts.

A session's cuts are planned when it starts (crowdcart.domain.bargain_cuts) and stored on it;
the n-th help takes cut n. A help is one transaction: the help item put-if-absent (one per
friend per session), the session moved from n to n+1 helps only if it still has n, is open,
unexpired and not the helper's own, the helper's daily counter under its limit, and a stats
counter. A helper who lost the race for slot n reads the session again and tries slot n+1,
until the floor is reached — so any number of friends clicking at once give exactly
`helpers_needed` cuts and the price lands on the floor.
Buying is checkout's POST /v1/orders with activity {type: "bargain", id: <session id>}.
"""
import hashlib
import random
import secrets
import time
from typing import Any, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart import analytics
from crowdcart.clock import iso, now, today
from crowdcart.db.connection import Entity
from crowdcart.db.models.campaigns import (STATS_SHARDS, Bargain, BargainHelp, BargainHelperDay, BargainSession,
                                           BargainStarter, BargainStats, bargain_pk, session_pk)
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.shops import Shopper
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction, update_if
from crowdcart.domain.bargain_cuts import plan_cuts
from crowdcart.errors import Conflict, ServiceUnavailable, not_found, validation_error
from crowdcart.ids import is_id, new_id
from crowdcart.observability import business_event
from crowdcart.pagination import decode_cursor, encode_cursor
from crowdcart.purchase.bargain import OPEN, USED

HELP_ATTEMPTS = 60  # reads of the session one help may take while others win the earlier slots
DAY_COUNTER_TTL_SECONDS = 3 * 86400


def _stats_shard(session_id: str) -> int:
    return int(hashlib.sha256(session_id.encode()).hexdigest(), 16) % STATS_SHARDS


def _load_bargain(shop_id: str, bargain_id: str, consistent: bool = False) -> Bargain:
    if not is_id(bargain_id):
        raise not_found("bargain", bargain_id)
    try:
        return Bargain.get(*Bargain.key(shop_id, bargain_id), consistent_read=consistent)
    except DoesNotExist as exc:
        raise not_found("bargain", bargain_id) from exc


def _load_session(shop_id: str, session_id: str) -> BargainSession:
    if not is_id(session_id):
        raise not_found("bargain_session", session_id)
    try:
        return BargainSession.get(*BargainSession.key(shop_id, session_id), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("bargain_session", session_id) from exc


def _bargain_status(bargain: Bargain, moment: int) -> str:
    if moment < bargain.starts_at:
        return "upcoming"
    if bargain.ends_at is not None and moment >= bargain.ends_at:
        return "ended"
    return "sold_out" if bargain.stock < 1 else "active"


def bargain_view(bargain: Bargain, moment: int) -> Dict[str, Any]:
    """A bargain activity as shoppers see it."""
    return {"id": bargain.bargain_id, "sku_id": bargain.sku_id, "product_id": bargain.product_id,
            "title": bargain.title, "spec": bargain.spec, "image": bargain.image,
            "start_price_fen": int(bargain.start_price_fen), "floor_price_fen": int(bargain.floor_price_fen),
            "helpers_needed": int(bargain.helpers_needed), "duration_seconds": int(bargain.duration_seconds),
            "stock": int(bargain.stock), "per_user_limit": int(bargain.per_user_limit),
            "daily_help_limit": int(bargain.daily_help_limit), "buy_mode": bargain.buy_mode,
            "starts_at": int(bargain.starts_at), "ends_at": int(bargain.ends_at) if bargain.ends_at else None,
            "status": _bargain_status(bargain, moment)}


def create_bargain(shop_id: str, fields: Dict[str, Any]) -> Dict[str, str]:
    """Create a bargain activity on one SKU (its stock is a quota; the SKU's stock is not reserved)."""
    moment = now()
    try:
        sku = Sku.get(*Sku.key(shop_id, fields["sku_id"]), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("sku", fields["sku_id"]) from exc
    if not sku.on_shelf:
        raise Conflict("sku_off_shelf", f"SKU {sku.sku_id} is not on sale.", sku_id=sku.sku_id)
    start = fields["start_price_fen"] or int(sku.price_fen)
    if start > sku.price_fen:
        raise validation_error("start_price_fen", f"must not exceed the SKU's price ({int(sku.price_fen)} fen)")
    if fields["floor_price_fen"] >= start:
        raise validation_error("floor_price_fen", f"must be below the start price ({start} fen)")
    if start - fields["floor_price_fen"] < fields["helpers_needed"]:
        raise validation_error("helpers_needed", "every helper must cut at least 1 fen: "
                               f"at most {start - fields['floor_price_fen']} helpers for this price gap")
    if fields["ends_at"] is not None and fields["ends_at"] <= moment:
        raise validation_error("ends_at", "must be in the future")
    bargain_id = new_id()
    Bargain(*Bargain.key(shop_id, bargain_id), bargain_id=bargain_id, shop_id=shop_id, sku_id=sku.sku_id,
            product_id=sku.product_id, title=sku.product_title, spec=sku.spec, image=sku.image,
            start_price_fen=start, floor_price_fen=fields["floor_price_fen"],
            helpers_needed=fields["helpers_needed"], duration_seconds=fields["duration_seconds"],
            stock=fields["stock"], sold=0, per_user_limit=fields["per_user_limit"],
            daily_help_limit=fields["daily_help_limit"], buy_mode=fields["buy_mode"],
            starts_at=fields["starts_at"] or moment, ends_at=fields["ends_at"], created_at=moment,
            GSI1PK=Bargain.list_partition(shop_id), GSI1SK=f"BARGAIN#{bargain_id}"
            ).save(condition=Bargain.PK.does_not_exist())
    business_event("BargainCreated", shop_id=shop_id, bargain_id=bargain_id)
    return {"id": bargain_id}


def stats(shop_id: str, bargain: Bargain) -> Dict[str, int]:
    """Sessions started, helps, helps by new shoppers (summed over the stats counters), units sold."""
    total = {"sessions": 0, "helps": 0, "new_helpers": 0}
    for counter in BargainStats.query(bargain_pk(shop_id, bargain.bargain_id), BargainStats.SK.startswith("STATS#"),
                                      consistent_read=True):
        for name in total:
            total[name] += int(getattr(counter, name) or 0)
    return dict(total, sold=int(bargain.sold))


def get_bargain(shop_id: str, bargain_id: str, for_merchant: bool = False) -> Dict[str, Any]:
    """One bargain (with its stats for the merchant)."""
    bargain = _load_bargain(shop_id, bargain_id, consistent=for_merchant)
    body = bargain_view(bargain, now())
    if for_merchant:
        body.update(created_at=iso(int(bargain.created_at)), stats=stats(shop_id, bargain))
    return body


def list_bargains(shop_id: str, limit: int, cursor: Optional[str], for_merchant: bool = False) -> Dict[str, Any]:
    """The shop's bargains, newest first (shoppers: only those not ended)."""
    moment = now()
    condition = None if for_merchant else (Bargain.ends_at.does_not_exist() | (Bargain.ends_at > moment))
    results = Bargain.gsi1.query(Bargain.list_partition(shop_id), scan_index_forward=False, limit=limit,
                                 last_evaluated_key=decode_cursor(shop_id, cursor), filter_condition=condition)
    return {"items": [bargain_view(b, moment) for b in results],
            "next_cursor": encode_cursor(shop_id, results.last_evaluated_key)}


def end_bargain(shop_id: str, bargain_id: str) -> Dict[str, Any]:
    """Stop new sessions now (started ones run until they expire)."""
    moment = now()
    bargain = _load_bargain(shop_id, bargain_id, consistent=True)
    try:
        update_if("bargain", bargain, [Bargain.ends_at.set(moment)],
                  Bargain.ends_at.does_not_exist() | (Bargain.ends_at > moment))
    except ConditionFailed as exc:
        raise Conflict("bargain_ended", "This bargain has already ended.") from exc
    return get_bargain(shop_id, bargain_id, for_merchant=True)


def start_session(shop_id: str, bargain_id: str, user_id: str) -> Dict[str, Any]:
    """A shopper starts a bargain session (within the per-user limit); its cuts are planned now."""
    bargain, moment = _load_bargain(shop_id, bargain_id, consistent=True), now()
    status = _bargain_status(bargain, moment)
    if status != "active":
        raise Conflict(f"bargain_{status}", {"upcoming": "This bargain has not started yet.",
                                             "ended": "This bargain has ended.",
                                             "sold_out": "This bargain is sold out."}[status])
    session_id = new_id()
    cuts = plan_cuts(int(bargain.start_price_fen) - int(bargain.floor_price_fen), int(bargain.helpers_needed),
                     random.Random(secrets.randbits(64)))
    session = BargainSession(
        *BargainSession.key(shop_id, session_id), session_id=session_id, bargain_id=bargain_id, shop_id=shop_id,
        owner_id=user_id, sku_id=bargain.sku_id, title=bargain.title, start_price_fen=int(bargain.start_price_fen),
        floor_price_fen=int(bargain.floor_price_fen), current_price_fen=int(bargain.start_price_fen),
        helpers_needed=int(bargain.helpers_needed), helps=0, new_helpers=0, cuts=cuts, buy_mode=bargain.buy_mode,
        daily_help_limit=int(bargain.daily_help_limit), status=OPEN, created_at=moment,
        expires_at=moment + int(bargain.duration_seconds),
        **BargainSession.index_keys(shop_id, bargain_id, user_id, session_id))

    def build() -> Transaction:
        tx = Transaction()
        tx.put("session", session, BargainSession.PK.does_not_exist())
        tx.update("starter", BargainStarter(*BargainStarter.key(shop_id, bargain_id, user_id)),
                  [BargainStarter.sessions.add(1), BargainStarter.entity.set(BargainStarter)],
                  condition=BargainStarter.sessions.does_not_exist()
                  | (BargainStarter.sessions < int(bargain.per_user_limit)))
        tx.update("stats", BargainStats(*BargainStats.key(shop_id, bargain_id, _stats_shard(session_id))),
                  [BargainStats.sessions.add(1), BargainStats.entity.set(BargainStats)])
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == "starter":
            raise Conflict("bargain_limit_reached",
                           f"You can start at most {int(bargain.per_user_limit)} session(s) of this bargain.") from exc
        raise
    analytics.participate(shop_id, "bargain", bargain_id, user_id)
    business_event("BargainSessionStarted", shop_id=shop_id, bargain_id=bargain_id, session_id=session_id)
    return {"session_id": session_id, "current_price_fen": int(session.current_price_fen),
            "floor_price_fen": int(session.floor_price_fen), "helpers_needed": int(session.helpers_needed),
            "expires_at": int(session.expires_at)}


def _refuse_help(session: BargainSession, helper_id: str, moment: int) -> None:
    if session.owner_id == helper_id:
        raise Conflict("bargain_own_session", "You cannot help your own bargain; share it with friends.")
    if session.status != OPEN:
        raise Conflict("bargain_used", "This bargain was already bought.")
    if moment >= session.expires_at:
        raise Conflict("bargain_expired", "This bargain has expired.")
    if session.helps >= session.helpers_needed:
        raise Conflict("bargain_complete", "This bargain already reached its floor price.")


def help_session(shop_id: str, session_id: str, helper_id: str) -> Dict[str, Any]:
    """A friend's cut: the next planned cut, once per friend per session, within the daily limit."""
    session = _load_session(shop_id, session_id)
    try:
        profile = Shopper.get(*Shopper.key(shop_id, helper_id))
    except DoesNotExist as exc:
        raise not_found("user", helper_id) from exc
    is_new = int(profile.created_at >= session.created_at)
    for attempt in range(HELP_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, min(0.05, 0.005 * attempt)))
            session = _load_session(shop_id, session_id)
        moment = now()
        _refuse_help(session, helper_id, moment)
        slot = int(session.helps)
        cut = int(session.cuts[slot])
        price_after = int(session.current_price_fen) - cut
        try:
            run_transaction(lambda: _help_transaction(shop_id, session, helper_id, profile, slot, cut, price_after,
                                                      is_new, moment))
        except ConditionFailed as exc:
            if exc.label == "help":
                raise Conflict("already_helped", "You already helped this bargain.") from exc
            if exc.label == "daily":
                raise Conflict("daily_help_limit_reached",
                               f"You can help at most {int(session.daily_help_limit)} of these bargains a day.") from exc
            continue  # another friend took slot `slot`: read again and take the next one
        except ServiceUnavailable:
            continue
        # campaign analytics count each shopper once per bargain (a helper may help several sessions),
        # so it is its own idempotent write after the help, not part of the help's transaction
        analytics.participate(shop_id, "bargain", session.bargain_id, helper_id, is_new_user=bool(is_new))
        business_event("BargainHelped", shop_id=shop_id, session_id=session_id, is_new=is_new)
        return {"cut_fen": cut, "current_price_fen": price_after, "floor_price_fen": int(session.floor_price_fen),
                "helps": slot + 1, "helpers_needed": int(session.helpers_needed),
                "reached_floor": slot + 1 == session.helpers_needed, "is_new": bool(is_new)}
    raise ServiceUnavailable("busy", "Many friends are helping right now; please retry.")


def _help_transaction(shop_id: str, session: BargainSession, helper_id: str, profile: Shopper, slot: int, cut: int,
                      price_after: int, is_new: int, moment: int) -> Transaction:
    """The help's writes: help item, session slot, daily counter and stats, all or nothing."""
    tx = Transaction()
    tx.put("help", BargainHelp(*BargainHelp.key(shop_id, session.session_id, helper_id), helper_id=helper_id,
                               seq=slot + 1, cut_fen=cut, price_after_fen=price_after, is_new=is_new,
                               nickname=profile.nickname or "", avatar_url=profile.avatar_url or "", at=moment),
           BargainHelp.PK.does_not_exist())
    tx.update("session", BargainSession(*BargainSession.key(shop_id, session.session_id)),
              [BargainSession.helps.set(slot + 1), BargainSession.current_price_fen.set(price_after),
               BargainSession.new_helpers.add(is_new)],
              condition=(BargainSession.helps == slot) & (BargainSession.status == OPEN)
              & (BargainSession.expires_at > moment) & (BargainSession.owner_id != helper_id))
    tx.update("daily", BargainHelperDay(*BargainHelperDay.key(shop_id, session.bargain_id, helper_id, today(moment))),
              [BargainHelperDay.helps.add(1), BargainHelperDay.entity.set(BargainHelperDay),
               BargainHelperDay.expires_at_ttl.set(moment + DAY_COUNTER_TTL_SECONDS)],
              condition=BargainHelperDay.helps.does_not_exist()
              | (BargainHelperDay.helps < int(session.daily_help_limit)))
    tx.update("stats", BargainStats(*BargainStats.key(shop_id, session.bargain_id, _stats_shard(session.session_id))),
              [BargainStats.helps.add(1), BargainStats.new_helpers.add(is_new), BargainStats.entity.set(BargainStats)])
    return tx


def _session_status(session: BargainSession, moment: int) -> str:
    if session.status == USED:
        return "used"
    if moment >= session.expires_at:
        return "expired"
    return "complete" if session.helps >= session.helpers_needed else "open"


def session_view(session: BargainSession, helps: List[BargainHelp], viewer_id: str, moment: int) -> Dict[str, Any]:
    """A session with its helpers in the order they helped."""
    status = _session_status(session, moment)
    mine = viewer_id == session.owner_id
    can_buy = mine and status in ("open", "complete") and (
        session.buy_mode == "any_time" or status == "complete")
    return {"id": session.session_id, "bargain_id": session.bargain_id, "owner_id": session.owner_id,
            "sku_id": session.sku_id, "title": session.title, "start_price_fen": int(session.start_price_fen),
            "current_price_fen": int(session.current_price_fen), "floor_price_fen": int(session.floor_price_fen),
            "helpers_needed": int(session.helpers_needed), "helps": int(session.helps),
            "new_helpers": int(session.new_helpers), "status": status, "buy_mode": session.buy_mode,
            "can_buy": can_buy, "order_id": session.order_id if mine else None,
            "created_at": iso(int(session.created_at)), "expires_at": int(session.expires_at),
            "expires_at_iso": iso(int(session.expires_at)),
            "helpers": [{"user_id": h.helper_id, "nickname": h.nickname, "avatar_url": h.avatar_url,
                         "cut_fen": int(h.cut_fen), "price_after_fen": int(h.price_after_fen),
                         "is_new": bool(h.is_new), "at": iso(int(h.at))}
                        for h in sorted(helps, key=lambda h: h.seq)]}


def get_session(shop_id: str, session_id: str, viewer_id: str) -> Dict[str, Any]:
    """A session and its helpers, in one query of its partition."""
    if not is_id(session_id):
        raise not_found("bargain_session", session_id)
    session, helps = None, []
    for item in Entity.query(session_pk(shop_id, session_id), consistent_read=True):
        if isinstance(item, BargainSession):
            session = item
        elif isinstance(item, BargainHelp):
            helps.append(item)
    if session is None:
        raise not_found("bargain_session", session_id)
    return session_view(session, helps, viewer_id, now())


def _session_page(shop_id: str, results: Any, viewer_id: Optional[str]) -> Dict[str, Any]:
    moment = now()
    items = [session_view(s, [], viewer_id or s.owner_id, moment) for s in results]
    return {"items": items, "next_cursor": encode_cursor(shop_id, results.last_evaluated_key)}


def my_sessions(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shopper's sessions, newest first (helpers omitted: open one for them)."""
    results = BargainSession.gsi1.query(BargainSession.owner_partition(shop_id, user_id), scan_index_forward=False,
                                        limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    return _session_page(shop_id, results, user_id)


def bargain_sessions(shop_id: str, bargain_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """A bargain's sessions, newest first (merchant)."""
    _load_bargain(shop_id, bargain_id)
    results = BargainSession.gsi2.query(BargainSession.bargain_partition(shop_id, bargain_id), scan_index_forward=False,
                                        limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    return _session_page(shop_id, results, None)
