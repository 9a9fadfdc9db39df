"""The order lifecycle after checkout: lists, cancel, ship, receipt, pickup, sweepers.

Every change is a conditional transition (crowdcart.db.orders.transition), so two actors racing
(shopper cancels while the sweeper cancels; merchant ships while the timeout fires) end with
exactly one winner and one history entry.
"""
from typing import Any, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db import due, keys
from crowdcart.db.connection import Entity
from crowdcart.db.models.orders import Order, PickupCode
from crowdcart.db.models.shops import Shop
from crowdcart.db.orders import (cancel_unpaid, clear_due, get_order, get_shopper_order, history, list_for_key,
                                 transition, user_orders_partition, view)
from crowdcart.db.writes import ConditionFailed
from crowdcart.domain import order_states as states
from crowdcart.domain.shop_settings import effective
from crowdcart.errors import BadRequest, Conflict, CrowdcartError, not_found
from crowdcart.observability import business_event, logger
from crowdcart.pagination import decode_cursor, encode_cursor


def _status(value: Optional[str]) -> Optional[str]:
    if value and value not in states.STATUSES:
        raise BadRequest("invalid_status", f"status must be one of {', '.join(states.STATUSES)}.", field="status")
    return value or None


def _page(shop_id: str, results: Any, **view_args: Any) -> Dict[str, Any]:
    items = [view(order, **view_args) for order in results]
    return {"items": items, "next_cursor": encode_cursor(shop_id, results.last_evaluated_key)}


def list_shopper_orders(shop_id: str, user_id: str, status: Optional[str], limit: int,
                        cursor: Optional[str]) -> Dict[str, Any]:
    """The shopper's orders, newest first."""
    results = list_for_key(Order.gsi1, user_orders_partition(shop_id, user_id), limit,
                           decode_cursor(shop_id, cursor), _status(status))
    return _page(shop_id, results)


def list_shop_orders(shop_id: str, status: Optional[str], limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shop's orders, newest first, all or in one status."""
    status = _status(status)
    start = decode_cursor(shop_id, cursor)
    if status:
        results = list_for_key(Order.gsi2, keys.scoped(shop_id, "ORDERS", "STATUS", status), limit, start)
    else:
        results = list_for_key(Order.gsi3, keys.scoped(shop_id, "ORDERS"), limit, start)
    return _page(shop_id, results, for_merchant=True)


def shopper_order(shop_id: str, user_id: str, order_id: str) -> Dict[str, Any]:
    """One of the shopper's orders with its history."""
    order = get_shopper_order(shop_id, user_id, order_id)
    return view(order, history(shop_id, order_id))


def merchant_order(shop_id: str, order_id: str) -> Dict[str, Any]:
    """Any order of the shop with its history."""
    return view(get_order(shop_id, order_id), history(shop_id, order_id), for_merchant=True)


def cancel(shop_id: str, user_id: str, order_id: str) -> Dict[str, Any]:
    """The shopper cancels an unpaid order; stock goes back in the same transaction."""
    order = get_shopper_order(shop_id, user_id, order_id)
    cancel_unpaid(order, f"user:{user_id}", "cancelled_by_shopper")
    business_event("OrderCancelled", shop_id=shop_id, order_id=order_id, reason="shopper")
    return view(get_order(shop_id, order_id, consistent=True))


def _settings(shop_id: str) -> Any:
    try:
        return effective(Shop.get(*Shop.key(shop_id)).settings)
    except DoesNotExist as exc:
        raise not_found("shop", shop_id) from exc


def ship(shop_id: str, order_id: str, carrier: str, tracking_no: str, actor: str) -> Dict[str, Any]:
    """Merchant ships a paid express order; the auto-receipt clock starts."""
    order = get_order(shop_id, order_id)
    if order.delivery.get("type") == "pickup":
        raise Conflict("pickup_order", "Pickup orders are handed over in store, not shipped.")
    moment = now()
    deadline = moment + _settings(shop_id).auto_receive_days * 86400
    if order.ship_hold:
        raise Conflict("not_ready_to_ship", "This order waits for its group (or draw) before it can ship.")
    transition(order, [states.PAID], states.SHIPPED, actor, data={"carrier": carrier, "tracking_no": tracking_no},
               condition=Order.ship_hold.does_not_exist(),
               actions=[Order.shipped_at.set(moment), Order.receive_deadline_at.set(deadline),
                        Order.shipment.set({"carrier": carrier, "tracking_no": tracking_no, "shipped_at": moment}),
                        Order.DUEPK.set(due.AUTO_RECEIVE), Order.DUESK.set(due.due_sort_key(deadline, shop_id, order_id))])
    business_event("OrderShipped", shop_id=shop_id, order_id=order_id)
    return view(get_order(shop_id, order_id, consistent=True), for_merchant=True)


def _receive(order: Order, actor: str, sources: List[str], *, condition: Any = None, data: Any = None,
             extra: Any = None, pickup: bool = False) -> None:
    """Move to received and start the after-sales clock (auto-complete)."""
    moment = now()
    complete_at = moment + _settings(order.shop_id).after_sales_days * 86400
    actions = [Order.received_at.set(moment), Order.DUEPK.set(due.AUTO_COMPLETE),
               Order.DUESK.set(due.due_sort_key(complete_at, order.shop_id, order.order_id))]
    if pickup:
        actions.append(Order.pickup_verified_at.set(moment))
    transition(order, sources, states.RECEIVED, actor, condition=condition, data=data, extra=extra, actions=actions)
    business_event("OrderReceived", shop_id=order.shop_id, order_id=order.order_id, actor=actor)


def confirm_receipt(shop_id: str, user_id: str, order_id: str) -> Dict[str, Any]:
    """The shopper confirms a shipped order arrived."""
    _receive(get_shopper_order(shop_id, user_id, order_id), f"user:{user_id}", [states.SHIPPED])
    return view(get_order(shop_id, order_id, consistent=True))


def verify_pickup(shop_id: str, code: str, actor: str) -> Dict[str, Any]:
    """The merchant checks a shopper's pickup code in store: once; the order becomes received."""
    try:
        ticket = PickupCode.get(*PickupCode.key(shop_id, code), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("pickup_code") from exc
    order = get_order(shop_id, ticket.order_id)
    if ticket.verified_at is not None:
        raise Conflict("pickup_code_used", "This pickup code was already used.")

    def mark_used(tx: Any) -> None:
        tx.update("pickup_code", PickupCode(*PickupCode.key(shop_id, code)), [PickupCode.verified_at.set(now())],
                  condition=PickupCode.verified_at.does_not_exist())

    try:
        if order.ship_hold:
            raise Conflict("not_ready_to_ship", "This order waits for its group (or draw) before pickup.")
        _receive(order, actor, [states.PAID], extra=mark_used, data={"pickup": True}, pickup=True,
                 condition=Order.ship_hold.does_not_exist())
    except ConditionFailed as exc:
        raise Conflict("pickup_code_used", "This pickup code was already used.") from exc
    return view(get_order(shop_id, order.order_id, consistent=True), for_merchant=True)


def _due_orders(kind: str, moment: int, limit: int) -> List[Order]:
    keys_due = due.due_keys(kind, moment, limit)
    return [item for item in Entity.batch_get(keys_due) if isinstance(item, Order)] if keys_due else []


def _sweep(kind: str, moment: int, limit: int, act: Any) -> Dict[str, int]:
    """Act on every due order; one order's failure is logged and never stops the others."""
    done = skipped = failed = 0
    for order in _due_orders(kind, moment, limit):
        try:
            act(order)
            done += 1
        except CrowdcartError as exc:  # another actor won the race: nothing to do
            skipped += 1
            logger.info("sweep skipped", extra={"kind": kind, "order_id": order.order_id, "code": exc.code})
        except Exception:  # a bug or an outage on this order: the next sweep retries it
            failed += 1
            logger.exception("sweep failed", extra={"kind": kind, "order_id": order.order_id})
    return {"done": done, "skipped": skipped, "failed": failed}


def sweep_pay_timeouts(moment: Optional[int] = None, limit: int = 100) -> Dict[str, int]:
    """Cancel orders whose pay deadline passed, releasing stock; safe to run twice at once."""
    moment = moment or now()
    return _sweep(due.PAY_TIMEOUT, moment, limit,
                  lambda order: cancel_unpaid(order, "sweeper", "pay_timeout", only_if_due=True, at=moment))


def sweep_auto_receive(moment: Optional[int] = None, limit: int = 100) -> Dict[str, int]:
    """Confirm receipt of shipped orders whose receive deadline passed."""
    moment = moment or now()
    return _sweep(due.AUTO_RECEIVE, moment, limit,
                  lambda order: _receive(order, "sweeper", [states.SHIPPED],
                                         condition=Order.receive_deadline_at <= moment, data={"auto": True}))


def sweep_auto_complete(moment: Optional[int] = None, limit: int = 100) -> Dict[str, int]:
    """Complete received orders once the after-sales window closed."""
    moment = moment or now()
    return _sweep(due.AUTO_COMPLETE, moment, limit,
                  lambda order: transition(order, [states.RECEIVED], states.COMPLETED, "sweeper",
                                           actions=[Order.completed_at.set(moment)] + clear_due(),
                                           condition=Order.received_at <= moment))
