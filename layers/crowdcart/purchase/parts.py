"""The checkout parts, in the order they apply. A new part adds one line to `all_parts`."""
from functools import lru_cache
from typing import Tuple

from crowdcart.purchase.context import Part


@lru_cache(maxsize=1)
def all_parts() -> Tuple[Part, ...]:
    """Every registered part (imported lazily so the core stays cheap to import)."""
    parts: Tuple[Part, ...] = ()
    from crowdcart.purchase.flash_sale import FlashSalePart
    parts += (FlashSalePart(),)
    from crowdcart.purchase.bargain import BargainPart
    parts += (BargainPart(),)
    from crowdcart.purchase.group_buy import GroupBuyPart
    parts += (GroupBuyPart(),)
    from crowdcart.purchase.coupons import CouponPart
    parts += (CouponPart(),)
    from crowdcart.purchase.points import PointsPart
    parts += (PointsPart(),)
    return parts
