"""Checkout part for group buys (拼团): activity {type: "group_buy", id: <activity id>, group_id?: <group id>}.

Only the groupbuy capability sends this activity (the public checkout schema does not allow it):
without `group_id` the shopper opens a new group as its leader, with it they join that group. The
order is one unit of the activity's SKU at the group price. Inside checkout's one transaction:
- open: the group is put (if absent; its id derives from the order's), with the leader's seat;
- join: the group's `seats_taken` grows only while it is open, before its deadline and below its
  size; the shopper's member item is put only if absent (one seat per shopper per group);
  a new-user group also checks, in the same transaction, that the shopper has no paid order;
- both: the shopper's seat counter for the activity stays within the per-user limit.
Cancelling the unpaid order (pay timeout, the shopper, a failed group) gives the seat back.

Paying (crowdcart.payments.results, through `on_paid`): the pending → paid transaction also marks the
seat paid and counts it on the group, on condition that the group is still open and its deadline
had not passed when WeChat took the money; the payment that fills the last seat turns the group
`formed` and makes every member's order ready to ship (`activity.ship_ready`, `ship_hold` removed;
a lottery's orders wait for the draw). When that condition fails, `payment_refused` cancels the order, and results
then records the payment as a late one and refunds it, once.
"""
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db import due
from crowdcart.db.models.groups import (FORMED, LEADER, LOTTERY, MEMBER, NEW_USER, OPEN, PAID, PENDING, TIMER_DUE,
                                        Group, GroupBuy, GroupBuySeats, GroupMember)
from crowdcart.db.models.orders import Order
from crowdcart.db.models.shops import Shopper
from crowdcart.domain import groups as rules
from crowdcart.errors import Conflict, Unprocessable, not_found
from crowdcart.ids import derived_id
from crowdcart.observability import business_event, logger
from crowdcart.purchase.context import CheckoutContext, Key

NAME = "group_buy"
FORMING = "forming"


def group_id_for(shop_id: str, order_id: str) -> str:
    """The id of the group a leader's order opens (a retried open finds the same group)."""
    return derived_id("group", shop_id, order_id)


def order_activity(activity_id: str, group_id: str, kind: str, role: str, group_status: str = FORMING,
                   ship_ready: bool = False) -> Dict[str, Any]:
    """What a group order records about its group (`Order.activity`)."""
    return {"type": NAME, "id": activity_id, "group_id": group_id, "kind": kind, "role": role,
            "group_status": group_status, "ship_ready": ship_ready}


def formed_activity(group: Group, role: str) -> Dict[str, Any]:
    """A member order's activity once its group formed (a lottery's orders still wait for the draw)."""
    return order_activity(group.activity_id, group.group_id, group.kind, role, FORMED, group.kind != LOTTERY)


def ready_actions(group: Group, role: str) -> List[Any]:
    """A member order's updates when its group forms: the activity says so, and a normal group's orders may
    ship (`ship_hold` removed; a lottery's orders keep it until the draw)."""
    actions = [Order.activity.set(formed_activity(group, role))]
    return actions + ([Order.ship_hold.remove()] if group.kind != LOTTERY else [])


def _requested(ctx: CheckoutContext) -> Optional[Dict[str, Any]]:
    activity = ctx.body.get("activity") or {}
    return activity if activity.get("type") == NAME else None


@dataclass
class PaidSeat:
    """A group order's share of its payment transaction: actions on the order, writes on other items."""

    order_actions: List[Any] = field(default_factory=list)
    write: Callable[[Any], None] = lambda tx: None


class GroupBuyPart:
    """Group price, the seat and its counters inside checkout; the seat's confirmation inside payment."""

    name = NAME

    # ------------------------------------------------------------------ checkout
    def keys(self, ctx: CheckoutContext) -> List[Key]:
        """The activity, the shopper's seat counter and, for a join, the group and the shopper's member item."""
        requested = _requested(ctx)
        if requested is None:
            return []
        wanted = [GroupBuy.key(ctx.shop_id, requested["id"]),
                  GroupBuySeats.key(ctx.shop_id, requested["id"], ctx.user_id)]
        if requested.get("group_id"):
            wanted += [Group.key(ctx.shop_id, requested["group_id"]),
                       GroupMember.key(ctx.shop_id, requested["group_id"], ctx.user_id)]
        return wanted

    def prepare(self, ctx: CheckoutContext) -> None:
        """One unit of the activity's SKU; a seat the shopper may take; the group price for the line."""
        requested = _requested(ctx)
        if requested is None:
            return
        activity = ctx.get(GroupBuy.key(ctx.shop_id, requested["id"]))
        if activity is None:
            raise not_found("group_buy", requested["id"])
        if set(ctx.quantities) != {activity.sku_id} or ctx.quantities[activity.sku_id] != 1:
            raise Unprocessable("activity_items_mismatch", "A group seat buys exactly one unit of its SKU.",
                                field="items", sku_id=activity.sku_id)
        counter = ctx.get(GroupBuySeats.key(ctx.shop_id, activity.activity_id, ctx.user_id))
        if counter is not None and int(counter.seats or 0) >= int(activity.per_user_limit):
            raise _limit_reached(activity)
        group_id = requested.get("group_id")
        if group_id:
            self._check_join(ctx, activity, group_id)
            role = MEMBER
        else:
            if not rules.window_open(int(activity.starts_at), activity.ends_at, ctx.created_at):
                raise Conflict("group_buy_not_active", "This group buy is not running now.")
            group_id, role = group_id_for(ctx.shop_id, ctx.order_id), LEADER
        ctx.activity_prices[activity.sku_id] = int(activity.group_price_fen)
        ctx.order_fields["activity"] = order_activity(activity.activity_id, group_id, activity.kind, role)
        ctx.order_fields["ship_hold"] = True  # until the group forms (a lottery: until this seat wins)

    def _check_join(self, ctx: CheckoutContext, activity: GroupBuy, group_id: str) -> None:
        group = ctx.get(Group.key(ctx.shop_id, group_id))
        if group is None or group.activity_id != activity.activity_id:
            raise not_found("group", group_id)
        if ctx.get(GroupMember.key(ctx.shop_id, group_id, ctx.user_id)) is not None:
            raise already_in_group()
        unavailable = join_refusal(group, ctx.created_at)
        if unavailable is not None:
            raise unavailable
        if activity.kind == NEW_USER and int(ctx.profile.paid_orders or 0) > 0:
            raise new_users_only()

    def write(self, ctx: CheckoutContext, tx: Any) -> None:
        """Put the group (open) or take a seat in it (join), put the member, count the shopper's seat."""
        activity = ctx.order_fields.get("activity") or {}
        if activity.get("type") != NAME:
            return
        buy = ctx.get(GroupBuy.key(ctx.shop_id, activity["id"]))
        group_id, shop_id = activity["group_id"], ctx.shop_id
        if activity["role"] == LEADER:
            tx.put(f"{NAME}:group", new_group(buy, group_id, ctx.profile, ctx.created_at), Group.PK.does_not_exist())
        else:
            group = ctx.get(Group.key(shop_id, group_id))
            tx.update(f"{NAME}:group", Group(*Group.key(shop_id, group_id)), [Group.seats_taken.add(1)],
                      condition=(Group.status == OPEN) & (Group.seats_taken < int(group.size))
                      & (Group.expires_at > ctx.created_at))
            if buy.kind == NEW_USER:
                pk, sk = Shopper.key(shop_id, ctx.user_id)
                tx.check(f"{NAME}:new_user", Shopper, pk, sk,
                         Shopper.paid_orders.does_not_exist() | (Shopper.paid_orders == 0))
        profile = ctx.profile
        tx.put(f"{NAME}:member", GroupMember(
            *GroupMember.key(shop_id, group_id, ctx.user_id), group_id=group_id, shop_id=shop_id,
            activity_id=buy.activity_id, user_id=ctx.user_id, order_id=ctx.order_id, role=activity["role"],
            status=PENDING, nickname=profile.nickname or "", avatar_url=profile.avatar_url or "",
            joined_at=ctx.created_at, **GroupMember.user_keys(shop_id, ctx.user_id, group_id, ctx.created_at)),
            GroupMember.PK.does_not_exist())
        tx.update(f"{NAME}:seats", GroupBuySeats(*GroupBuySeats.key(shop_id, buy.activity_id, ctx.user_id)),
                  [GroupBuySeats.seats.add(1), GroupBuySeats.entity.set(GroupBuySeats)],
                  condition=GroupBuySeats.seats.does_not_exist() | (GroupBuySeats.seats < int(buy.per_user_limit)))

    def conflict(self, label: str) -> Optional[Exception]:
        """A failed condition of ours as the 409 the shopper sees."""
        if label == f"{NAME}:group":
            return Conflict("group_unavailable", "This group is full, closed or past its deadline.")
        if label == f"{NAME}:member":
            return already_in_group()
        if label == f"{NAME}:seats":
            return Conflict("group_buy_limit_reached", "You already hold as many seats in this group buy as allowed.")
        if label == f"{NAME}:new_user":
            return new_users_only()
        return None

    def release(self, order: Any, tx: Any) -> None:
        """The unpaid order is cancelled: its seat, member item and seat count go back (once: the order's
        pending → cancelled condition guards the whole transaction)."""
        activity = order.activity or {}
        if activity.get("type") != NAME:
            return
        shop_id, group_id = order.shop_id, activity["group_id"]
        tx.update(f"{NAME}:release:group", Group(*Group.key(shop_id, group_id)), [Group.seats_taken.add(-1)])
        tx.delete(f"{NAME}:release:member", GroupMember(*GroupMember.key(shop_id, group_id, order.user_id)))
        tx.update(f"{NAME}:release:seats", GroupBuySeats(*GroupBuySeats.key(shop_id, activity["id"], order.user_id)),
                  [GroupBuySeats.seats.add(-1)])

    # ------------------------------------------------------------------ payment
    def on_paid(self, order: Order, paid_at: int) -> Optional[PaidSeat]:
        """This order's seat confirmed in the order's paid transaction (None for other orders)."""
        activity = order.activity or {}
        if activity.get("type") != NAME:
            return None
        shop_id, group_id = order.shop_id, activity["group_id"]
        group = load_group(shop_id, group_id)
        condition = (Group.status == OPEN) & (Group.expires_at > paid_at)
        group_actions: List[Any] = [Group.paid_count.add(1)]
        seat = PaidSeat()
        others: List[GroupMember] = []
        if group is not None and group.status == OPEN and rules.forms(int(group.paid_count), int(group.size)):
            condition = condition & (Group.paid_count == int(group.size) - 1)
            group_actions += [Group.status.set(FORMED), Group.formed_at.set(now()), Group.GSI1PK.remove(),
                              Group.GSI1SK.remove()]
            if group.kind == LOTTERY:
                group_actions.append(Group.DUESK.set(due.due_sort_key(int(group.draw_at), shop_id, group_id)))
            else:
                group_actions += [Group.DUEPK.remove(), Group.DUESK.remove()]
            seat.order_actions = ready_actions(group, activity.get("role", MEMBER))
            others = [m for m in members(shop_id, group_id) if m.status == PAID and m.order_id != order.order_id]
        elif group is not None:
            condition = condition & (Group.paid_count < int(group.size) - 1)

        def write(tx: Any) -> None:
            tx.update(f"{NAME}:group", Group(*Group.key(shop_id, group_id)), group_actions, condition=condition)
            tx.update(f"{NAME}:member", GroupMember(*GroupMember.key(shop_id, group_id, order.user_id)),
                      [GroupMember.status.set(PAID), GroupMember.paid_at.set(paid_at)],
                      condition=(GroupMember.status == PENDING) & (GroupMember.order_id == order.order_id))
            for member in others:  # the group forms: every member's order is ready to ship
                tx.update(f"{NAME}:ready:{member.order_id}", Order(*Order.key(shop_id, member.order_id)),
                          ready_actions(group, member.role))

        seat.write = write
        return seat

    def payment_refused(self, order: Order, label: str, paid_at: int) -> None:
        """Our condition failed in the paid transaction. If the group still takes payments (another
        payment moved its count), nothing to do: the caller decides again. Otherwise the group no longer
        accepts this payment: the order is cancelled (its seat released) and the caller refunds it."""
        from crowdcart.db.orders import cancel_unpaid

        activity = order.activity or {}
        group = load_group(order.shop_id, activity.get("group_id", ""))
        if label == f"{NAME}:group" and group is not None and group.status == OPEN and group.expires_at > paid_at:
            return
        if label == f"{NAME}:member":
            logger.error("group seat not pending at payment", extra={"shop_id": order.shop_id,
                                                                     "order_id": order.order_id})
        try:
            cancel_unpaid(order, "group_buy", "group_closed")
        except Conflict:
            return  # cancelled or paid meanwhile: the caller reads the order again
        business_event("GroupPaymentRefused", shop_id=order.shop_id, order_id=order.order_id,
                       group_id=activity.get("group_id"))


def new_group(buy: GroupBuy, group_id: str, leader: Shopper, opened_at: int) -> Group:
    """A group just opened by its leader (one seat taken), on the open list and the timer's DUE entry."""
    shop_id = buy.shop_id
    expires_at = rules.group_deadline(opened_at, int(buy.duration_seconds), buy.ends_at)
    draw_at = int(buy.ends_at) if buy.kind == LOTTERY else None
    return Group(*Group.key(shop_id, group_id), group_id=group_id, shop_id=shop_id, activity_id=buy.activity_id,
                 kind=buy.kind, sku_id=buy.sku_id, title=buy.title, image=buy.image,
                 group_price_fen=int(buy.group_price_fen), size=int(buy.group_size), seats_taken=1, paid_count=0,
                 status=OPEN, leader_id=leader.user_id, leader_nickname=leader.nickname or "",
                 leader_avatar_url=leader.avatar_url or "", opened_at=opened_at, expires_at=expires_at, draw_at=draw_at,
                 winners=int(buy.winners or 0),
                 GSI1PK=Group.open_partition(shop_id, buy.activity_id), GSI1SK=Group.open_sort(expires_at, group_id),
                 GSI2PK=Group.activity_partition(shop_id, buy.activity_id),
                 GSI2SK=Group.activity_sort(opened_at, group_id),
                 DUEPK=TIMER_DUE, DUESK=due.due_sort_key(expires_at, shop_id, group_id))


def load_group(shop_id: str, group_id: str) -> Optional[Group]:
    """The group, read consistently, or None."""
    try:
        return Group.get(*Group.key(shop_id, group_id), consistent_read=True)
    except DoesNotExist:
        return None


def members(shop_id: str, group_id: str) -> List[GroupMember]:
    """A group's members (paid or holding an unpaid seat), read consistently."""
    return list(GroupMember.query(Group.key(shop_id, group_id)[0], GroupMember.SK.startswith("MEMBER#"),
                                  consistent_read=True))


def join_refusal(group: Group, moment: int) -> Optional[Conflict]:
    """Why this group cannot take a new member at `moment` (None when it can)."""
    if group.status != OPEN:
        return Conflict("group_closed", f"This group is {group.status}; it takes no more members.",
                        status=group.status)
    if moment >= int(group.expires_at):
        return Conflict("group_expired", "This group's time is up.")
    if int(group.seats_taken) >= int(group.size):
        return Conflict("group_full", "Every seat of this group is taken.")
    return None


def already_in_group() -> Conflict:
    """The shopper already holds a seat in this group."""
    return Conflict("already_in_group", "You already have a seat in this group.")


def new_users_only() -> Conflict:
    """A new-user group refuses a shopper who paid for an order before."""
    return Conflict("new_users_only", "Only shoppers who have never paid for an order in this shop may join.")


def _limit_reached(activity: GroupBuy) -> Conflict:
    return Conflict("group_buy_limit_reached", "You already hold as many seats in this group buy as allowed.",
                    per_user_limit=int(activity.per_user_limit))
