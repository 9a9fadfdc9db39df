"""The points part of checkout (积分抵现): read the balance in the one batch, price points as cash with the
shop's rate and cap, debit them with a ledger entry in the one transaction (only if the balance covers
them), and return them when the order is cancelled."""
from typing import Any, List, Optional

from crowdcart.clock import now
from crowdcart.db.models.points import PointsAccount
from crowdcart.domain.pricing import PointsRule
from crowdcart.purchase.context import CheckoutContext, Key
from crowdcart.rewards import points


def spend_cause(order_id: str) -> str:
    """The ledger cause of the points an order spends."""
    return f"order:{order_id}:spend"


def return_cause(order_id: str) -> str:
    """The ledger cause of giving an order's points back (cancel, or a whole refund)."""
    return f"order:{order_id}:return"


class PointsPart:
    """Pays part of an order with points."""

    name = "points"

    def keys(self, ctx: CheckoutContext) -> List[Key]:
        """The shopper's points account, when the order uses points."""
        return [PointsAccount.key(ctx.shop_id, ctx.user_id)] if ctx.body.get("points_to_use") else []

    def prepare(self, ctx: CheckoutContext) -> None:
        """409 `insufficient_points` when the balance is short; else price with the shop's rule."""
        wanted = int(ctx.body.get("points_to_use") or 0)
        if wanted <= 0:
            return
        account = ctx.get(PointsAccount.key(ctx.shop_id, ctx.user_id))
        held = int(account.balance or 0) if account else 0
        if held < wanted:
            raise points.insufficient(held)
        ctx.points_to_use = wanted
        ctx.points_rule = PointsRule(points_per_yuan=ctx.settings.points_per_yuan_cash,
                                     cap_percent=ctx.settings.points_cash_percent_cap)

    def write(self, ctx: CheckoutContext, tx: Any) -> None:
        """Debit the points the quote used (ledger entry + balance, on condition that it covers them)."""
        used = ctx.quote.points_used if ctx.quote else 0
        if used > 0:
            points.move_actions(tx, ctx.shop_id, ctx.user_id, spend_cause(ctx.order_id), -used, "checkout",
                                ctx.created_at, {"order_id": ctx.order_id}, total=points.SPENT)

    def release(self, order: Any, tx: Any) -> None:
        """Return the points with the cancellation (the same cause a whole refund uses, so never twice)."""
        used = int(order.points_used or 0)
        if used > 0:
            points.move_actions(tx, order.shop_id, order.user_id, return_cause(order.order_id), used,
                                "checkout_return", now(),
                                {"order_id": order.order_id, "reason": "cancelled"}, total=points.SPENT)

    def conflict(self, label: str) -> Optional[Exception]:
        """A balance spent meanwhile by another order is a 409."""
        if label == points.BALANCE:
            return points.insufficient()
        return None
