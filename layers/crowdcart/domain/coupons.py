"""Coupon rules (pure): a template's maths, validity windows, derived status, and whether a coupon is usable.

The discount maths itself lives in `crowdcart.domain.pricing` (`Coupon`, `coupon_discount`); this module
turns stored templates and coupons into that shape and checks the rest of a coupon's eligibility — its
owner, that it is unused, and its validity window — raising the same `PricingError` codes checkout
answers with.
"""
from typing import Any, Dict, Mapping, Optional, Tuple

from crowdcart.domain.pricing import Coupon, PricingError

UNUSED, USED, EXPIRED = "unused", "used", "expired"
STATUSES = (UNUSED, USED, EXPIRED)
KINDS = ("amount_off", "percent_off", "no_threshold")
DAY = 86400
FOREVER = 4102444800  # 2100-01-01: "no end" in a number DynamoDB can compare


def rule_of(kind: str, *, amount_off_fen: int = 0, percent_off: int = 0, max_off_fen: Optional[int] = None,
            min_spend_fen: int = 0, product_ids: Tuple[str, ...] = (), category_ids: Tuple[str, ...] = (),
            stackable_with_member: bool = True) -> Dict[str, Any]:
    """The stored maths of a template (copied onto every coupon it issues); ValueError naming a bad field."""
    if kind not in KINDS:
        raise ValueError("kind: must be amount_off, percent_off or no_threshold")
    if kind == "percent_off":
        if not 1 <= percent_off <= 99:
            raise ValueError("percent_off: a percent_off coupon needs 1–99")
        amount_off_fen = 0
    else:
        if amount_off_fen < 1:
            raise ValueError("amount_off_fen: must be at least 1")
        percent_off, max_off_fen = 0, None
    if kind == "no_threshold":
        min_spend_fen = 0
    if kind == "amount_off" and min_spend_fen and amount_off_fen > min_spend_fen:
        raise ValueError("amount_off_fen: cannot exceed min_spend_fen")
    return {"kind": kind, "amount_off_fen": amount_off_fen, "percent_off": percent_off, "max_off_fen": max_off_fen,
            "min_spend_fen": min_spend_fen, "product_ids": sorted(set(product_ids)),
            "category_ids": sorted(set(category_ids)), "stackable_with_member": stackable_with_member}


def pricing_coupon(rule: Mapping[str, Any]) -> Coupon:
    """The pricing module's Coupon for a stored rule."""
    max_off = rule.get("max_off_fen")
    return Coupon(kind=rule["kind"], amount_off_fen=int(rule.get("amount_off_fen") or 0),
                  percent_off=int(rule.get("percent_off") or 0), max_off_fen=None if max_off is None else int(max_off),
                  min_spend_fen=int(rule.get("min_spend_fen") or 0), product_ids=tuple(rule.get("product_ids") or ()),
                  category_ids=tuple(rule.get("category_ids") or ()),
                  stackable_with_member=bool(rule.get("stackable_with_member", True)))


def validity(claimed_at: int, valid_from: Optional[int], valid_until: Optional[int],
             valid_days_after_claim: Optional[int]) -> Tuple[int, int]:
    """(from, until) of a coupon issued at `claimed_at`: fixed dates, or N days from the claim."""
    if valid_days_after_claim:
        return claimed_at, claimed_at + valid_days_after_claim * DAY
    return valid_from or claimed_at, valid_until or FOREVER


def status_of(stored: str, valid_until: int, at: int) -> str:
    """What the shopper sees: used, expired (unused past its end) or unused."""
    if stored == USED:
        return USED
    return EXPIRED if valid_until < at else UNUSED


def check_usable(owner: str, user_id: str, stored_status: str, valid_from: int, valid_until: int, at: int) -> None:
    """Raise PricingError unless this coupon belongs to `user_id`, is unused and valid at `at`."""
    if owner != user_id:
        raise PricingError("coupon_not_found", "No such coupon in your wallet.")
    if stored_status == USED:
        raise PricingError("coupon_used", "This coupon has already been used.")
    if at > valid_until:
        raise PricingError("coupon_expired", "This coupon has expired.")
    if at < valid_from:
        raise PricingError("coupon_not_started", "This coupon cannot be used yet.")


def claimable_until(valid_until: Optional[int], valid_days_after_claim: Optional[int]) -> int:
    """The last moment a template can be claimed: its fixed end, or forever for relative validity."""
    if valid_days_after_claim:
        return FOREVER
    return valid_until or FOREVER
