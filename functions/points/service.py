"""Points: balance and ledger, daily check-in with a streak bonus, shares (capped per day), and coupons
bought with points. Every credit and debit goes through the ledger (crowdcart.rewards.points)."""
from typing import Any, Dict, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.points import CheckInState, ShareDay
from crowdcart.db.models.shops import Shop
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.domain import members as rules
from crowdcart.domain.shop_settings import ShopSettings, effective
from crowdcart.errors import Conflict, ServiceUnavailable, not_found
from crowdcart.ids import new_id
from crowdcart.observability import business_event
from crowdcart.rewards import coupons, points

CHECK_IN, SHARE_DAY = "check_in", "share_day"
ATTEMPTS = 6


def _settings(shop_id: str) -> ShopSettings:
    try:
        return effective(Shop.get(*Shop.key(shop_id)).settings)
    except DoesNotExist as exc:
        raise not_found("shop", shop_id) from exc


def summary(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """Balance, lifetime totals and a page of the ledger (newest first).

    The ledger is read before the balance: entry and balance commit together, so every entry shown
    is already counted in the balance shown (the other order could show an entry with a stale balance).
    """
    ledger, next_cursor = points.ledger(shop_id, user_id, limit, cursor)
    account = points.get_account(shop_id, user_id, consistent=True)
    return {"balance": int(account.balance or 0) if account else 0,
            "earned_total": int(account.earned_total or 0) if account else 0,
            "spent_total": int(account.spent_total or 0) if account else 0,
            "ledger": ledger, "next_cursor": next_cursor}


def check_in(shop_id: str, user_id: str, at: Optional[int] = None) -> Dict[str, Any]:
    """Today's check-in: points, plus the bonus on every Nth day of a streak; 409 the second time today."""
    settings = _settings(shop_id)
    moment = at or now()
    today = rules.local_date(moment).isoformat()
    for _ in range(ATTEMPTS):
        try:
            state: Optional[CheckInState] = CheckInState.get(*CheckInState.key(shop_id, user_id), consistent_read=True)
        except DoesNotExist:
            state = None
        if state is not None and state.last_date == today:
            raise _already()
        streak = rules.streak_after(state.last_date if state else None, int(state.streak or 0) if state else 0, today)
        award = rules.check_in_award(streak, settings.check_in_points, settings.check_in_streak_days,
                                     settings.check_in_streak_bonus)

        def build() -> Transaction:
            tx = Transaction()
            points.move_actions(tx, shop_id, user_id, f"check_in:{today}", award, "check_in", moment,
                                {"date": today, "streak": streak})
            tx.update(CHECK_IN, CheckInState(*CheckInState.key(shop_id, user_id)),
                      [CheckInState.entity.set(CheckInState), CheckInState.last_date.set(today),
                       CheckInState.streak.set(streak)],
                      condition=(CheckInState.last_date == state.last_date) if state
                      else CheckInState.PK.does_not_exist())
            return tx

        try:
            run_transaction(build)
        except ConditionFailed as exc:
            if exc.label == points.ENTRY:
                raise _already() from exc
            if exc.label == CHECK_IN:
                continue  # a concurrent check-in moved the state: decide again
            raise
        business_event("CheckedIn", shop_id=shop_id, user_id=user_id, streak=streak, points=award)
        return {"date": today, "streak": streak, "points": award, "balance": points.balance(shop_id, user_id, True)}
    raise ServiceUnavailable("busy", "Too many check-ins at once; retry.")


def _already() -> Conflict:
    return Conflict("already_checked_in", "You have already checked in today.")


def share(shop_id: str, user_id: str, share_id: str, at: Optional[int] = None) -> Dict[str, Any]:
    """Points for a share, once per share id and at most `share_daily_cap` shares a day."""
    settings = _settings(shop_id)
    moment = at or now()
    today = rules.local_date(moment).isoformat()
    result: Dict[str, Any] = {"share_id": share_id, "credited": 0, "capped": False, "duplicate": False}
    if settings.share_points > 0 and settings.share_daily_cap > 0:
        def build() -> Transaction:
            tx = Transaction()
            points.move_actions(tx, shop_id, user_id, f"share:{share_id}", settings.share_points, "share", moment,
                                {"date": today})
            tx.update(SHARE_DAY, ShareDay(*ShareDay.key(shop_id, user_id, today)),
                      [ShareDay.entity.set(ShareDay), ShareDay.credited.add(1)],
                      condition=ShareDay.credited.does_not_exist() | (ShareDay.credited < settings.share_daily_cap))
            return tx

        try:
            run_transaction(build)
            result["credited"] = settings.share_points
        except ConditionFailed as exc:
            if exc.label == points.ENTRY:
                result["duplicate"] = True
            elif exc.label == SHARE_DAY:
                result["capped"] = True
            else:
                raise
    result["balance"] = points.balance(shop_id, user_id, True)
    return result


def exchange(shop_id: str, user_id: str, template_id: str, idempotency_key: Optional[str]) -> Dict[str, Any]:
    """Spend points on one coupon: the debit and the issue are one transaction; the same key, one coupon."""
    template = coupons.load_template(shop_id, template_id)
    if not template.points_cost:
        raise Conflict("coupon_not_exchangeable", "This coupon cannot be bought with points.")
    cost, moment = int(template.points_cost), now()
    cause = f"exchange:{template_id}:{idempotency_key or new_id()}"
    coupon_id = coupons.coupon_id_for(shop_id, user_id, cause)
    if points.balance(shop_id, user_id, True) < cost:  # cheap refusal; the debit itself is conditional
        raise points.insufficient()

    def debit(tx: Transaction) -> None:
        points.move_actions(tx, shop_id, user_id, f"exchange:{coupon_id}", -cost, "exchange", moment,
                            {"coupon_id": coupon_id, "template_id": template_id}, total=points.SPENT)

    try:
        coupon, created = coupons.issue(template, user_id, cause, coupon_id=coupon_id, at=moment, extra=debit)
    except ConditionFailed as exc:
        if exc.label == points.BALANCE:
            raise points.insufficient() from exc
        raise
    return {"coupon_id": coupon.coupon_id, "points_spent": cost if created else 0, "replayed": not created,
            "balance": points.balance(shop_id, user_id, True), "coupon": coupons.coupon_view(coupon)}
