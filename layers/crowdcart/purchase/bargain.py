"""Checkout part for bargains (砍价): activity {type: "bargain", id: <bargain SESSION id>}.

The session's owner buys one unit of its SKU at the session's current price (any time, or only
once the floor is reached — the activity's `buy_mode`). Inside checkout's transaction the session
moves open → used only if nobody helped since it was read (so the price charged is the price
read) and it has not expired, and the activity's stock quota is drawn down. The SKU's own stock
is checked and decremented by checkout as for any order: a bargain's stock is a quota on top of
it, not a reservation (see docs/decisions.md). Cancelling the unpaid order re-opens the session.
"""
from typing import Any, List, Optional

from crowdcart.db.models.campaigns import Bargain, BargainSession
from crowdcart.errors import Conflict, Forbidden, Unprocessable, not_found
from crowdcart.purchase.context import CheckoutContext, Key

NAME = "bargain"
OPEN, USED = "open", "used"


def _session_id(ctx: CheckoutContext) -> Optional[str]:
    activity = ctx.body.get("activity") or {}
    return activity.get("id") if activity.get("type") == NAME else None


class BargainPart:
    """Bargain price and the session's one use inside checkout."""

    name = NAME

    def keys(self, ctx: CheckoutContext) -> List[Key]:
        """The session."""
        session_id = _session_id(ctx)
        return [BargainSession.key(ctx.shop_id, session_id)] if session_id else []

    def prepare(self, ctx: CheckoutContext) -> None:
        """The owner's open, unexpired session for exactly one unit of its SKU; its price for the line."""
        session_id = _session_id(ctx)
        if session_id is None:
            return
        session = ctx.get(BargainSession.key(ctx.shop_id, session_id))
        if session is None:
            raise not_found("bargain_session", session_id)
        if session.owner_id != ctx.user_id:
            raise Forbidden("bargain_not_yours", "Only the shopper who started this bargain can buy with it.")
        if set(ctx.quantities) != {session.sku_id} or ctx.quantities[session.sku_id] != 1:
            raise Unprocessable("activity_items_mismatch", "A bargain buys exactly one unit of its SKU.",
                                field="items", sku_id=session.sku_id)
        if session.status != OPEN:
            raise Conflict("bargain_used", "This bargain was already used for an order.", order_id=session.order_id)
        if ctx.created_at >= session.expires_at:
            raise Conflict("bargain_expired", "This bargain has expired.")
        if session.buy_mode == "floor_only" and session.helps < session.helpers_needed:
            raise Conflict("bargain_not_finished", "This bargain can be bought once it reaches its floor price.",
                           helps=int(session.helps), helpers_needed=int(session.helpers_needed))
        ctx.activity_prices[session.sku_id] = int(session.current_price_fen)
        ctx.order_fields["activity"] = {"type": NAME, "id": session_id, "bargain_id": session.bargain_id,
                                        "sku_id": session.sku_id, "price_fen": int(session.current_price_fen),
                                        "helps": int(session.helps)}

    def write(self, ctx: CheckoutContext, tx: Any) -> None:
        """Session open → used at the price read; the activity's stock quota down by one."""
        activity = ctx.order_fields.get("activity") or {}
        if activity.get("type") != NAME:
            return
        tx.update(f"{NAME}:session", BargainSession(*BargainSession.key(ctx.shop_id, activity["id"])),
                  [BargainSession.status.set(USED), BargainSession.order_id.set(ctx.order_id)],
                  condition=(BargainSession.status == OPEN) & (BargainSession.helps == activity["helps"])
                  & (BargainSession.expires_at > ctx.created_at))
        tx.update(f"{NAME}:stock", Bargain(*Bargain.key(ctx.shop_id, activity["bargain_id"])),
                  [Bargain.stock.add(-1), Bargain.sold.add(1)], condition=Bargain.stock >= 1)

    def conflict(self, label: str) -> Optional[Exception]:
        """The session changed under us, or the activity's stock ran out."""
        if label == f"{NAME}:session":
            return Conflict("bargain_changed",
                            "The bargain changed while you ordered (a friend helped, or it was used or expired); reload it.")
        if label == f"{NAME}:stock":
            return Conflict("bargain_sold_out", "This bargain's stock is sold out.")
        return None

    def release(self, order: Any, tx: Any) -> None:
        """Cancelled unpaid: the session is open again (until it expires) and the quota unit is back."""
        activity = order.activity or {}
        if activity.get("type") != NAME:
            return
        tx.update(f"{NAME}:release:session", BargainSession(*BargainSession.key(order.shop_id, activity["id"])),
                  [BargainSession.status.set(OPEN), BargainSession.order_id.remove()])
        tx.update(f"{NAME}:release:stock", Bargain(*Bargain.key(order.shop_id, activity["bargain_id"])),
                  [Bargain.stock.add(1), Bargain.sold.add(-1)])
