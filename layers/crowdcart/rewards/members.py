"""Membership: cumulative spend, once per cause, and the level it reaches.

A change of spend is one transaction: the cause's marker (only if absent), the membership (only if its
version is the one read — optimistic, retried), and the level with its discount on the shopper's
profile, which pricing reads. The level-up coupons follow from the profile's change (a reaction).
"""
from typing import Any, Dict, Optional, Sequence, Tuple

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.members import Membership, SpendMarker
from crowdcart.db.models.shops import Shopper
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.domain import members as rules
from crowdcart.errors import Conflict
from crowdcart.observability import business_event, logger

ATTEMPTS = 10
MARKER, MEMBERSHIP, SHOPPER = "spend", "membership", "shopper"


def get_membership(shop_id: str, user_id: str, consistent: bool = False) -> Optional[Membership]:
    """The membership, or None before the first counted order."""
    try:
        return Membership.get(*Membership.key(shop_id, user_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def get_marker(shop_id: str, user_id: str, cause: str) -> Optional[SpendMarker]:
    """The spend marker of `cause`, read consistently, or None."""
    try:
        return SpendMarker.get(*SpendMarker.key(shop_id, user_id, cause), consistent_read=True)
    except DoesNotExist:
        return None


def change_spend(shop_id: str, user_id: str, cause: str, delta_fen: int, levels: Sequence[rules.Level], *,
                 refunded_fen: int = 0, at: Optional[int] = None) -> Optional[Tuple[int, int]]:
    """Add `delta_fen` (negative for refunds) to the spend once per cause and recompute the level.

    Returns (old level, new level), or None when this cause was already counted.
    """
    moment = at or now()
    with_profile = True
    for _ in range(ATTEMPTS):
        current = get_membership(shop_id, user_id, consistent=True)
        spent = int(current.spent_fen or 0) if current else 0
        version = int(current.version or 0) if current else 0
        old_level = int(current.level or 0) if current else 0
        new_spent = max(0, spent + delta_fen)
        level = rules.level_for(new_spent, levels)
        marker = SpendMarker(*SpendMarker.key(shop_id, user_id, cause), delta_fen=new_spent - spent,
                             refunded_fen=refunded_fen, at=moment)

        def build() -> Transaction:
            tx = Transaction()
            tx.put(MARKER, marker, SpendMarker.PK.does_not_exist())
            tx.update(MEMBERSHIP, Membership(*Membership.key(shop_id, user_id)),
                      [Membership.entity.set(Membership), Membership.shop_id.set(shop_id),
                       Membership.user_id.set(user_id), Membership.spent_fen.set(new_spent),
                       Membership.level.set(level.level), Membership.version.set(version + 1),
                       Membership.updated_at.set(moment)],
                      condition=(Membership.version == version) if current else Membership.PK.does_not_exist())
            if with_profile:
                tx.update(SHOPPER, Shopper(*Shopper.key(shop_id, user_id)),
                          [Shopper.member_level.set(level.level),
                           Shopper.member_discount_percent.set(level.discount_percent)],
                          condition=Shopper.PK.exists())
            return tx

        try:
            run_transaction(build)
        except ConditionFailed as exc:
            if exc.label == MARKER:
                return None
            if exc.label == SHOPPER:
                logger.warning("membership for a shopper without a profile", extra={"shop_id": shop_id,
                                                                                      "user_id": user_id})
                with_profile = False
            continue
        if level.level != old_level:
            business_event("MemberLevelChanged", shop_id=shop_id, user_id=user_id, old=old_level, new=level.level)
        return old_level, level.level
    raise Conflict("busy", "The membership is changing too fast; retry.")


def multiplier(shopper_level: int, levels: Sequence[rules.Level]) -> int:
    """The points multiplier (percent) of a level number."""
    return rules.level_numbered(shopper_level, levels).points_multiplier_percent


def view(shop_id: str, user_id: str, levels: Sequence[rules.Level], profile: Optional[Shopper]) -> Dict[str, Any]:
    """What GET /v1/me/membership shows: the level pricing applies, spend, the next level and the gap."""
    current = get_membership(shop_id, user_id)
    spent = int(current.spent_fen or 0) if current else 0
    number = int(profile.member_level or 0) if profile else 0
    level = rules.level_numbered(number, levels)
    discount = int(profile.member_discount_percent or 0) if profile else 0
    upcoming = next((lv for lv in levels if lv.level > number), None)
    body: Dict[str, Any] = {"level": number, "level_name": level.name, "total_spent_fen": spent,
                            "discount_percent": discount, "points_multiplier_percent": level.points_multiplier_percent,
                            "next_level": None}
    if upcoming is not None:
        body["next_level"] = {"level": upcoming.level, "name": upcoming.name, "min_spent_fen": upcoming.min_spent_fen,
                              "discount_percent": upcoming.discount_percent,
                              "gap_fen": max(0, upcoming.min_spent_fen - spent)}
    body["levels"] = [{"level": lv.level, "name": lv.name, "min_spent_fen": lv.min_spent_fen,
                       "discount_percent": lv.discount_percent,
                       "points_multiplier_percent": lv.points_multiplier_percent} for lv in levels]
    return body
