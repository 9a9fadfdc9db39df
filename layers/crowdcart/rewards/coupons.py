"""Coupons: issue one in one transaction, use and give back conditionally, and list them.

Issuing (a shopper's claim, an automatic issue, a merchant's issue, a points exchange) is one
TransactWriteItems: the template's quota counter decremented only while it lasts and the template
is enabled, the shopper's claim counter raised only below the per-user limit (claims and
exchanges), and the coupon put only if absent. Automatic issues derive the coupon id from their
cause, so each cause issues at most one coupon however often it is replayed.
"""
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import iso, now
from crowdcart.db.models.coupons import ClaimCounter, Coupon, CouponTemplate, unused_sort_key, used_sort_key, wallet_pk
from crowdcart.db.models.shops import Shopper
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.domain import coupons as rules
from crowdcart.errors import Conflict, NotFound, not_found
from crowdcart.ids import derived_id
from crowdcart.observability import business_event, logger
from crowdcart.pagination import encode_cursor
from crowdcart.rewards.points import cursor_in

TEMPLATE, CLAIMS, COUPON, USER = "template", "claims", "coupon", "user"


def load_template(shop_id: str, template_id: str, consistent: bool = False) -> CouponTemplate:
    """The template; 404 `coupon_template_not_found`."""
    try:
        return CouponTemplate.get(*CouponTemplate.key(shop_id, template_id), consistent_read=consistent)
    except DoesNotExist as exc:
        raise not_found("coupon_template", template_id) from exc


def find_template(shop_id: str, template_id: Optional[str]) -> Optional[CouponTemplate]:
    """The template, or None (absent, or no id)."""
    if not template_id:
        return None
    try:
        return CouponTemplate.get(*CouponTemplate.key(shop_id, template_id))
    except DoesNotExist:
        return None


def coupon_id_for(shop_id: str, user_id: str, cause: str) -> str:
    """The id of the coupon issued for `cause` (the same cause always names the same coupon)."""
    return derived_id("coupon", shop_id, user_id, cause)


def new_coupon(template: CouponTemplate, user_id: str, coupon_id: str, cause: str, at: int) -> Coupon:
    """The coupon `template` issues to `user_id` at `at` (maths copied, validity fixed now)."""
    shop_id = template.shop_id
    valid_from, valid_until = rules.validity(at, template.valid_from, template.valid_until,
                                             template.valid_days_after_claim)
    unused = unused_sort_key(valid_until, coupon_id)
    pk, sk = Coupon.key(shop_id, user_id, coupon_id)
    return Coupon(pk, sk, coupon_id=coupon_id, template_id=template.template_id, user_id=user_id, name=template.name,
                  rule=template.rule, valid_from=valid_from, valid_until=valid_until, status=rules.UNUSED, cause=cause,
                  issued_at=at, unused_sk=unused, GSI1PK=pk, GSI1SK=unused,
                  GSI2PK=Coupon.template_partition(shop_id, template.template_id), GSI2SK=f"U#{coupon_id}")


def _check_open(template: CouponTemplate, at: int) -> None:
    if not template.enabled:
        raise Conflict("coupon_template_disabled", "This coupon is not being given out.")
    if rules.claimable_until(template.valid_until, template.valid_days_after_claim) < at:
        raise Conflict("coupon_template_expired", "This coupon has ended.")


def issue(template: CouponTemplate, user_id: str, cause: str, *, coupon_id: Optional[str] = None,
          per_user_limit: bool = True, require_user: bool = False, at: Optional[int] = None,
          extra: Optional[Callable[[Transaction], None]] = None) -> Tuple[Coupon, bool]:
    """Issue one coupon of `template` in one transaction; returns (coupon, created).

    `created` is False when the coupon for this cause already existed (nothing was taken twice).
    409 `coupon_sold_out`, `coupon_limit_reached`, `coupon_template_disabled`/`_expired`;
    404 `user_not_found` with `require_user`. `extra(tx)` adds writes (a points debit) to the same
    transaction; their failures propagate as ConditionFailed.
    """
    moment = at or now()
    _check_open(template, moment)
    shop_id, template_id = template.shop_id, template.template_id
    coupon = new_coupon(template, user_id, coupon_id or coupon_id_for(shop_id, user_id, cause), cause, moment)

    def build() -> Transaction:
        tx = Transaction()
        tx.update(TEMPLATE, CouponTemplate(*CouponTemplate.key(shop_id, template_id)),
                  [CouponTemplate.remaining.add(-1), CouponTemplate.issued.add(1)],
                  condition=(CouponTemplate.remaining >= 1) & (CouponTemplate.enabled == True))  # noqa: E712
        if per_user_limit:
            tx.update(CLAIMS, ClaimCounter(*ClaimCounter.key(shop_id, user_id, template_id)),
                      [ClaimCounter.entity.set(ClaimCounter), ClaimCounter.claimed.add(1)],
                      condition=ClaimCounter.claimed.does_not_exist()
                      | (ClaimCounter.claimed < int(template.per_user_limit)))
        tx.put(COUPON, coupon, Coupon.PK.does_not_exist())
        if require_user:
            pk, sk = Shopper.key(shop_id, user_id)
            tx.check(USER, Shopper, pk, sk, Shopper.PK.exists())
        if extra:
            extra(tx)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == COUPON:
            return get_coupon(shop_id, user_id, coupon.coupon_id, consistent=True), False
        if exc.label == TEMPLATE:
            current = load_template(shop_id, template_id, consistent=True)
            if not current.enabled:
                raise Conflict("coupon_template_disabled", "This coupon is not being given out.") from exc
            raise Conflict("coupon_sold_out", "This coupon has all been claimed.", template_id=template_id) from exc
        if exc.label == CLAIMS:
            raise Conflict("coupon_limit_reached",
                           f"You can hold at most {template.per_user_limit} of this coupon.",
                           template_id=template_id, per_user_limit=int(template.per_user_limit)) from exc
        if exc.label == USER:
            raise not_found("user", user_id) from exc
        raise
    business_event("CouponIssued", shop_id=shop_id, template_id=template_id, coupon_id=coupon.coupon_id, cause=cause)
    return coupon, True


def issue_automatically(shop_id: str, template_id: Optional[str], user_id: str, cause: str) -> Optional[str]:
    """A reaction's issue: once per cause, no per-user limit; a missing, disabled or sold-out template
    is logged and skipped (the reaction must not fail forever). Returns the coupon id or None."""
    template = find_template(shop_id, template_id)
    if template is None:
        if template_id:
            logger.warning("automatic coupon template missing", extra={"shop_id": shop_id, "template_id": template_id})
        return None
    coupon_id = coupon_id_for(shop_id, user_id, cause)
    existing = find_coupon(shop_id, user_id, coupon_id)
    if existing is not None:
        return existing.coupon_id
    try:
        coupon, _ = issue(template, user_id, cause, coupon_id=coupon_id, per_user_limit=False)
    except (Conflict, NotFound) as exc:
        business_event("CouponAutoIssueSkipped", shop_id=shop_id, template_id=template_id, cause=cause,
                       reason=exc.code)
        return None
    return coupon.coupon_id


def get_coupon(shop_id: str, user_id: str, coupon_id: str, consistent: bool = False) -> Coupon:
    """A coupon of this shopper's wallet; 404 `coupon_not_found` (also for someone else's coupon)."""
    found = find_coupon(shop_id, user_id, coupon_id, consistent)
    if found is None:
        raise not_found("coupon", coupon_id)
    return found


def find_coupon(shop_id: str, user_id: str, coupon_id: str, consistent: bool = True) -> Optional[Coupon]:
    """The coupon, or None."""
    try:
        return Coupon.get(*Coupon.key(shop_id, user_id, coupon_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def use_actions(tx: Transaction, shop_id: str, user_id: str, coupon_id: str, order_id: str, at: int,
                label: str = "coupon:use") -> None:
    """Mark the coupon used by `order_id`, only if it is unused, valid at `at` and owned by `user_id`."""
    tx.update(label, Coupon(*Coupon.key(shop_id, user_id, coupon_id)),
              [Coupon.status.set(rules.USED), Coupon.used_order_id.set(order_id), Coupon.used_at.set(at),
               Coupon.GSI1SK.set(used_sort_key(at, coupon_id)), Coupon.GSI2SK.set(f"X#{coupon_id}")],
              condition=(Coupon.status == rules.UNUSED) & (Coupon.user_id == user_id)
              & (Coupon.valid_from <= at) & (Coupon.valid_until >= at))


def give_back_actions(tx: Transaction, shop_id: str, user_id: str, coupon_id: str, order_id: str,
                      label: str = "coupon:release") -> None:
    """Make the coupon unused again, only if it is used by `order_id` (an expired one then shows as expired)."""
    tx.update(label, Coupon(*Coupon.key(shop_id, user_id, coupon_id)),
              [Coupon.status.set(rules.UNUSED), Coupon.used_order_id.remove(), Coupon.used_at.remove(),
               Coupon.GSI1SK.set(Coupon.unused_sk), Coupon.GSI2SK.set(f"U#{coupon_id}")],
              condition=(Coupon.status == rules.USED) & (Coupon.used_order_id == order_id))


def give_back(shop_id: str, user_id: str, coupon_id: str, order_id: str) -> bool:
    """Give the coupon back after a whole refund of `order_id`; False when it was not used by that order
    (already given back, or never used)."""
    def build() -> Transaction:
        tx = Transaction()
        give_back_actions(tx, shop_id, user_id, coupon_id, order_id, label=COUPON)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed:
        return False
    business_event("CouponReturned", shop_id=shop_id, coupon_id=coupon_id, order_id=order_id)
    return True


def coupon_view(coupon: Coupon, at: Optional[int] = None) -> Dict[str, Any]:
    """A coupon as its owner sees it."""
    moment = at or now()
    rule = coupon.rule or {}
    return {"id": coupon.coupon_id, "template_id": coupon.template_id, "name": coupon.name,
            "status": rules.status_of(coupon.status, int(coupon.valid_until), moment),
            "kind": rule.get("kind"), "amount_off_fen": rule.get("amount_off_fen"),
            "percent_off": rule.get("percent_off"), "max_off_fen": rule.get("max_off_fen"),
            "min_spend_fen": rule.get("min_spend_fen"), "product_ids": rule.get("product_ids") or [],
            "category_ids": rule.get("category_ids") or [],
            "stackable_with_member": rule.get("stackable_with_member", True),
            "valid_from": iso(int(coupon.valid_from)), "valid_until": iso(int(coupon.valid_until)),
            "valid_from_at": int(coupon.valid_from), "valid_until_at": int(coupon.valid_until),
            "used_order_id": coupon.used_order_id, "issued_at": iso(int(coupon.issued_at))}


def wallet(shop_id: str, user_id: str, status: str, limit: int,
           cursor: Optional[str]) -> Tuple[List[Dict[str, Any]], Optional[str]]:
    """A page of the shopper's coupons in `status` (unused: soonest to expire first; used and
    expired: newest first), and the next cursor."""
    moment = now()
    partition = wallet_pk(shop_id, user_id)
    if status == rules.UNUSED:
        condition, forward = Coupon.GSI1SK.between(f"U#{moment:010d}", "U#~"), True
    elif status == rules.EXPIRED:
        condition, forward = Coupon.GSI1SK.between("U#", f"U#{moment - 1:010d}~"), False
    else:
        condition, forward = Coupon.GSI1SK.startswith("X#"), False
    page = Coupon.gsi1.query(partition, condition, scan_index_forward=forward, limit=limit,
                             last_evaluated_key=cursor_in(shop_id, cursor, "GSI1PK", partition))
    items = [coupon_view(c, moment) for c in page]
    return items, encode_cursor(shop_id, page.last_evaluated_key)


def claimed_counts(shop_id: str, user_id: str, template_ids: Iterable[str]) -> Dict[str, int]:
    """How many of each template this shopper has claimed (one batch read)."""
    wanted = [ClaimCounter.key(shop_id, user_id, t) for t in dict.fromkeys(template_ids)]
    if not wanted:
        return {}
    found = ClaimCounter.batch_get(wanted)
    return {item.SK.split("#", 1)[1]: int(item.claimed or 0) for item in found}


def used_count(shop_id: str, template_id: str) -> int:
    """How many of a template's coupons are used right now (GSI2, eventually consistent)."""
    return Coupon.gsi2.count(Coupon.template_partition(shop_id, template_id), Coupon.GSI2SK.startswith("X#"))


