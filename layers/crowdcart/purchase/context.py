"""The state one checkout builds up, shared by checkout and its parts."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Protocol, Tuple

from crowdcart.domain import pricing

Key = Tuple[str, str]


@dataclass
class CheckoutContext:
    """Everything known about one order being placed."""

    shop_id: str
    user_id: str
    order_id: str
    body: Dict[str, Any]
    quantities: Dict[str, int]
    found: Dict[Key, Any] = field(default_factory=dict)
    settings: Any = None
    profile: Any = None
    skus: List[Any] = field(default_factory=list)
    created_at: int = 0
    source_ip: Optional[str] = None  # the caller's IP (API Gateway requestContext), for rate limits
    # SKUs whose stock a part takes instead of the SKU counter (activity stock carved out of the SKU
    # at activity creation): checkout neither checks nor decrements their SKU stock, records the part
    # on the order line as `stock_from`, and cancelling gives the stock back through that part's release
    stock_by_part: Dict[str, str] = field(default_factory=dict)
    # pricing inputs the parts set
    coupon: Optional[pricing.Coupon] = None
    points_to_use: int = 0
    points_rule: Optional[pricing.PointsRule] = None
    activity_prices: Dict[str, int] = field(default_factory=dict)
    # what the order records about the parts (coupon_id, activity…)
    order_fields: Dict[str, Any] = field(default_factory=dict)
    quote: Optional[pricing.Quote] = None

    def get(self, key: Key) -> Any:
        """An item of the read batch, or None."""
        return self.found.get(key)


class Part(Protocol):
    """A contributor to checkout (see the package docstring).

    A part may also define `admit(ctx)`: cheap checks run before the read batch (rate limits, a
    cached sale window); checkout calls it only on parts that have it.
    """

    name: str

    def keys(self, ctx: CheckoutContext) -> List[Key]:
        """Extra items to read in checkout's one batch."""

    def prepare(self, ctx: CheckoutContext) -> None:
        """Validate the request against what was read; set pricing inputs and order fields."""

    def write(self, ctx: CheckoutContext, tx: Any) -> None:
        """Add conditional writes to the checkout transaction (label them `<name>:…`)."""

    def release(self, order: Any, tx: Any) -> None:
        """Add writes that give back what this part took, when an unpaid order is cancelled."""

    def conflict(self, label: str) -> Optional[Exception]:
        """The domain error for a failed condition of one of this part's labels (None if not ours)."""
