"""Rewards that follow state changes on the table stream, each applied once per cause.

Order (`order` items):
- becomes `received` → points for what was paid (`order:<id>:earn`, at the shopper's level multiplier),
  spend counted and level recomputed (`order:<id>`), the shop's order coupon (下单返券, cause `order:<id>`);
- `refunded_fen` grows → the points and spend that the refunded fen had earned are taken back
  (`order:<id>:refund:<refunded_fen>`; refunds made before receipt were already netted out);
- becomes `refunded` (everything paid is back) → its coupon is given back and the points it spent
  are returned (`order:<id>:return`, the same cause a cancellation uses). A partial refund gives
  neither back.
Shopper (`shopper` items): created → new-customer coupon (`new_customer`); birthday set → birthday
entry for the sweeper; profile complete → profile points (`profile`); level up → each newly reached
level's coupons (`level:<n>:<template>`).
Review (`review` items): created → review points (`review:<id>`).
"""
from typing import Any, Dict, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.shops import Shop, Shopper
from crowdcart.domain import members as rules
from crowdcart.domain import order_states as states
from crowdcart.domain.shop_settings import ShopSettings, effective
from crowdcart.reactions.stream import on
from crowdcart.rewards import birthdays, coupons, members, points

Image = Optional[Dict[str, Any]]
PROFILE_FIELDS = ("nickname", "avatar_url", "birthday", "phone")


def _settings(shop_id: str) -> Optional[ShopSettings]:
    try:
        return effective(Shop.get(*Shop.key(shop_id)).settings)
    except DoesNotExist:
        return None


def _level_of(shop_id: str, user_id: str) -> int:
    try:
        return int(Shopper.get(*Shopper.key(shop_id, user_id), consistent_read=True).member_level or 0)
    except DoesNotExist:
        return 0


@on("order")
def order_rewards(old: Image, new: Image, at: int) -> None:
    """Points, spend, level and coupons that follow an order's receipt and refunds."""
    if not new or not (new.get("shop_id") and new.get("user_id") and new.get("order_id")):
        return
    before = old or {}
    status, was = new.get("status"), before.get("status")
    refunded_before, refunded_after = int(before.get("refunded_fen") or 0), int(new.get("refunded_fen") or 0)
    received_now = status == states.RECEIVED and was != states.RECEIVED
    refunded_more = old is not None and refunded_after > refunded_before
    all_back = status == states.REFUNDED and was != states.REFUNDED
    if not (received_now or refunded_more or all_back):
        return
    settings = _settings(new["shop_id"])
    if settings is None:
        return
    if refunded_more:
        _refund_step(new, refunded_before, refunded_after, settings, at)
    if received_now:
        _received(new, settings, at)
    if all_back:
        _returned(new, at)


def _received(order: Dict[str, Any], settings: ShopSettings, at: int) -> None:
    shop_id, user_id, order_id = order["shop_id"], order["user_id"], order["order_id"]
    payable, refunded = int(order.get("payable_fen") or 0), int(order.get("refunded_fen") or 0)
    net = payable - refunded
    levels = rules.levels_from(settings.member_levels)
    multiplier = members.multiplier(_level_of(shop_id, user_id), levels)  # the level held before this order
    earned = rules.earned_points(net, settings.points_per_yuan, multiplier)
    if earned > 0:
        points.move(shop_id, user_id, f"order:{order_id}:earn", earned, "order", at=at or None,
                    data={"order_id": order_id, "payable_fen": payable, "refunded_fen": refunded,
                          "points_per_yuan": settings.points_per_yuan, "multiplier_percent": multiplier})
    if net > 0:
        members.change_spend(shop_id, user_id, f"order:{order_id}", net, levels, refunded_fen=refunded, at=at or None)
    if settings.order_coupon_template_id and net >= settings.order_coupon_min_paid_fen:
        coupons.issue_automatically(shop_id, settings.order_coupon_template_id, user_id, f"order:{order_id}")


def _refund_step(order: Dict[str, Any], before: int, after: int, settings: ShopSettings, at: int) -> None:
    shop_id, user_id, order_id = order["shop_id"], order["user_id"], order["order_id"]
    cause = f"order:{order_id}:refund:{after}"
    earn = points.get_entry(shop_id, user_id, f"order:{order_id}:earn")
    if earn is not None:
        basis = earn.data or {}
        back = rules.points_reversal(int(basis["payable_fen"]), int(basis["refunded_fen"]), before, after,
                                     int(basis["points_per_yuan"]), int(basis["multiplier_percent"]))
        if back > 0:
            points.take_back(shop_id, user_id, cause, back, "order_reversal", at=at or None,
                             data={"order_id": order_id, "refunded_fen": after})
    counted = members.get_marker(shop_id, user_id, f"order:{order_id}")
    if counted is not None:
        less = rules.spend_reversal(int(counted.refunded_fen or 0), before, after)
        if less > 0:
            members.change_spend(shop_id, user_id, cause, -less, rules.levels_from(settings.member_levels),
                                 at=at or None)


def _returned(order: Dict[str, Any], at: int) -> None:
    shop_id, user_id, order_id = order["shop_id"], order["user_id"], order["order_id"]
    if order.get("coupon_id"):
        coupons.give_back(shop_id, user_id, order["coupon_id"], order_id)
    spent = int(order.get("points_used") or 0)
    if spent > 0:
        points.move(shop_id, user_id, f"order:{order_id}:return", spent, "checkout_return", total=points.SPENT,
                    data={"order_id": order_id, "reason": "refunded"}, at=at or None)


def _complete(image: Image) -> bool:
    return bool(image) and all(image.get(name) for name in PROFILE_FIELDS)


@on("shopper")
def shopper_rewards(old: Image, new: Image, at: int) -> None:
    """New-customer coupon, birthday entry, profile points and level-up coupons."""
    if not new or not (new.get("shop_id") and new.get("user_id")):
        return
    shop_id, user_id = new["shop_id"], new["user_id"]
    before = old or {}
    old_level, new_level = int(before.get("member_level") or 0), int(new.get("member_level") or 0)
    wants = (old is None, bool(new.get("birthday")) and not before.get("birthday"),
             _complete(new) and not _complete(old), new_level > old_level)
    if not any(wants):
        return
    settings = _settings(shop_id)
    if settings is None:
        return
    created, birthday_set, completed, levelled_up = wants
    if created:
        coupons.issue_automatically(shop_id, settings.new_customer_coupon_template_id, user_id, "new_customer")
    if birthday_set:
        entry = birthdays.schedule(shop_id, user_id, new["birthday"], settings.birthday_coupon_days_before, at or None)
        if entry is not None and entry.DUESK and int(entry.DUESK.split("#", 1)[0]) <= (at or now()):
            birthdays.process(entry, settings, at or None)  # the window is open already: do not wait a day
    if completed and settings.profile_points > 0:
        points.move(shop_id, user_id, "profile", settings.profile_points, "profile", at=at or None)
    if levelled_up:
        for level in rules.levels_gained(old_level, new_level, rules.levels_from(settings.member_levels)):
            for template_id in level.coupon_template_ids:
                coupons.issue_automatically(shop_id, template_id, user_id, f"level:{level.level}:{template_id}")


@on("review")
def review_rewards(old: Image, new: Image, at: int) -> None:
    """Points for writing a review (once per review)."""
    if old is not None or not new or not (new.get("user_id") and new.get("review_id")):
        return
    shop_id = _shop_of(new)
    settings = _settings(shop_id) if shop_id else None
    if settings is None or settings.review_points <= 0:
        return
    points.move(shop_id, new["user_id"], f"review:{new['review_id']}", settings.review_points, "review",
                at=at or None, data={"order_id": new.get("order_id"), "product_id": new.get("product_id")})


def _shop_of(image: Dict[str, Any]) -> Optional[str]:
    """The shop of an item from its key (`SHOP#<shop>#…`)."""
    key = str(image.get("PK") or "")
    return key.split("#")[1] if key.startswith("SHOP#") else None
