"""Order pricing: goods, itemized discounts, shipping and the payable amount (pure, integer fen).

Order of application, each step on what the previous left:
  1. activity price (flash sale, bargain) replaces a line's list price → discount `activity`;
  2. member discount (percent) on every line → `member` (skipped when the chosen coupon is
     not stackable with member discounts);
  3. coupon on its eligible lines (products/categories, or all) → `coupon`;
  4. shipping: express pays the shop's flat fee unless the goods after steps 1–3 reach the
     free-shipping threshold; pickup ships free;
  5. points as cash, capped at a percentage of the goods, never paying shipping nor taking
     the goods below 1 fen → `points` (whole points only, rounded down);
  6. payable = goods − discounts + shipping, never below 1 fen (the last discount shrinks).
Percentages round half-up to the fen. Every discount is allocated to lines (largest remainder)
so a partial refund can give back exactly what a line paid.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

PAYABLE_FLOOR_FEN = 1


class PricingError(ValueError):
    """The inputs cannot be priced (e.g. a coupon whose minimum spend is not met)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Line:
    """One order line as priced: list price and, for activities, the activity price."""

    sku_id: str
    product_id: str
    category_id: Optional[str]
    unit_price_fen: int
    quantity: int
    activity_price_fen: Optional[int] = None

    @property
    def list_total(self) -> int:
        """List price × quantity."""
        return self.unit_price_fen * self.quantity


@dataclass(frozen=True)
class Coupon:
    """The coupon maths of a template: what it takes off and where it applies."""

    kind: str  # amount_off | percent_off | no_threshold
    amount_off_fen: int = 0
    percent_off: int = 0  # 10 means 10% off
    max_off_fen: Optional[int] = None
    min_spend_fen: int = 0
    product_ids: Tuple[str, ...] = ()
    category_ids: Tuple[str, ...] = ()
    stackable_with_member: bool = True

    def applies_to(self, line: Line) -> bool:
        """True when the coupon covers this line (no restriction means every line)."""
        if not self.product_ids and not self.category_ids:
            return True
        return line.product_id in self.product_ids or (line.category_id or "") in self.category_ids


@dataclass(frozen=True)
class PointsRule:
    """How points turn into cash at checkout."""

    points_per_yuan: int  # points worth 100 fen
    cap_percent: int  # at most this % of the goods


@dataclass(frozen=True)
class Shipping:
    """The shop's shipping rule for this delivery."""

    fee_fen: int = 0
    free_over_fen: Optional[int] = None
    pickup: bool = False


@dataclass
class Quote:
    """The priced order: totals, itemized discounts and the per-line allocation."""

    goods_fen: int
    discounts: List[Dict[str, object]]
    shipping_fen: int
    payable_fen: int
    points_used: int
    line_paid_fen: Dict[str, int] = field(default_factory=dict)

    @property
    def discount_fen(self) -> int:
        """Sum of all discounts."""
        return sum(int(d["amount_fen"]) for d in self.discounts)

    def breakdown(self) -> Dict[str, object]:
        """What an order stores and shows."""
        return {"goods_fen": self.goods_fen, "discounts": self.discounts, "discount_fen": self.discount_fen,
                "shipping_fen": self.shipping_fen, "payable_fen": self.payable_fen, "points_used": self.points_used,
                "line_paid_fen": self.line_paid_fen}


def percent_of(amount: int, percent: int) -> int:
    """`percent`% of `amount` fen, rounded half-up."""
    return (amount * percent + 50) // 100


def allocate(total: int, weights: Sequence[int]) -> List[int]:
    """Split `total` over `weights` proportionally, in whole fen (largest remainder)."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def coupon_discount(coupon: Coupon, eligible_fen: int) -> int:
    """What `coupon` takes off `eligible_fen` of eligible goods; PricingError if it does not apply."""
    if eligible_fen <= 0:
        raise PricingError("coupon_not_applicable", "The coupon does not apply to any item in this order.")
    if coupon.kind != "no_threshold" and eligible_fen < coupon.min_spend_fen:
        raise PricingError("coupon_min_spend_not_met",
                           f"The coupon needs {coupon.min_spend_fen} fen of eligible goods; the order has {eligible_fen}.")
    if coupon.kind == "percent_off":
        off = percent_of(eligible_fen, coupon.percent_off)
        if coupon.max_off_fen is not None:
            off = min(off, coupon.max_off_fen)
    else:
        off = coupon.amount_off_fen
    return min(off, eligible_fen)


def price(lines: Sequence[Line], *, member_percent: int = 0, coupon: Optional[Coupon] = None,
          points_to_use: int = 0, points_rule: Optional[PointsRule] = None,
          shipping: Shipping = Shipping()) -> Quote:
    """Price an order. Raises PricingError for a coupon that does not apply or points without a rule."""
    if not lines:
        raise PricingError("empty_order", "An order needs at least one item.")
    goods = sum(line.list_total for line in lines)
    remaining = {line.sku_id: line.list_total for line in lines}
    discounts: List[Dict[str, object]] = []

    def take(kind: str, per_line: Dict[str, int], **detail: object) -> None:
        amount = sum(per_line.values())
        if amount <= 0:
            return
        for sku, off in per_line.items():
            remaining[sku] -= off
        discounts.append({"kind": kind, "amount_fen": amount, "lines": per_line, **detail})

    take("activity", {line.sku_id: line.list_total - line.activity_price_fen * line.quantity
                      for line in lines if line.activity_price_fen is not None
                      and line.activity_price_fen < line.unit_price_fen})

    use_member = member_percent > 0 and (coupon is None or coupon.stackable_with_member)
    if use_member:
        take("member", {sku: percent_of(left, member_percent) for sku, left in remaining.items()},
             percent=member_percent)

    if coupon is not None:
        eligible = [line.sku_id for line in lines if coupon.applies_to(line)]
        eligible_fen = sum(remaining[sku] for sku in eligible)
        off = coupon_discount(coupon, eligible_fen)
        take("coupon", dict(zip(eligible, allocate(off, [remaining[s] for s in eligible]))))

    goods_left = sum(remaining.values())
    if shipping.pickup:
        shipping_fen = 0
    elif shipping.free_over_fen is not None and goods_left >= shipping.free_over_fen:
        shipping_fen = 0
    else:
        shipping_fen = shipping.fee_fen

    used_points = 0
    if points_to_use > 0:
        if points_rule is None or points_rule.points_per_yuan <= 0:
            raise PricingError("points_not_accepted", "This shop does not take points as cash.")
        # points never pay shipping and never take the order below the 1-fen floor
        room = goods_left - (PAYABLE_FLOOR_FEN if shipping_fen == 0 else 0)
        cap_fen = max(0, min(percent_of(goods, points_rule.cap_percent), room))
        cash = min(points_to_use * 100 // points_rule.points_per_yuan, cap_fen)
        used_points = cash * points_rule.points_per_yuan // 100  # whole points only
        cash = used_points * 100 // points_rule.points_per_yuan
        if used_points:
            skus = list(remaining)
            take("points", dict(zip(skus, allocate(cash, [remaining[s] for s in skus]))), points=used_points)

    payable = sum(remaining.values()) + shipping_fen
    if payable < PAYABLE_FLOOR_FEN:
        _shrink_last_discount(discounts, remaining, PAYABLE_FLOOR_FEN - payable)
        payable = PAYABLE_FLOOR_FEN
    line_paid = dict(remaining)
    return Quote(goods_fen=goods, discounts=discounts, shipping_fen=shipping_fen, payable_fen=payable,
                 points_used=used_points, line_paid_fen=line_paid)


def _shrink_last_discount(discounts: List[Dict[str, object]], remaining: Dict[str, int], fen: int) -> None:
    """Give `fen` back from the last discount so the order pays the floor."""
    last = discounts[-1]
    last["amount_fen"] = int(last["amount_fen"]) - fen
    per_line: Dict[str, int] = last["lines"]  # type: ignore[assignment]
    sku = max(per_line, key=lambda s: per_line[s])
    per_line[sku] -= fen
    remaining[sku] += fen
