"""Order repository: load with ownership checks, conditional transitions with history, and releases.

Every status change goes through `transition`: one transaction that moves the order only
if it is in one of the expected states, re-keys its indexes and appends an OrderEvent.
Callers add their own actions (stock back, refund record…) to the same transaction.
"""
import time
from typing import Any, Callable, Dict, Iterable, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db import keys
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.orders import Order, OrderEvent, order_pk
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.domain import order_states as states
from crowdcart.errors import Conflict, not_found
from crowdcart.ids import new_id


def get_order(shop_id: str, order_id: str, consistent: bool = False) -> Order:
    """The order of this shop; 404 when absent."""
    try:
        return Order.get(*Order.key(shop_id, order_id), consistent_read=consistent)
    except DoesNotExist as exc:
        raise not_found("order", order_id) from exc


def get_shopper_order(shop_id: str, user_id: str, order_id: str) -> Order:
    """The order only if it belongs to this shopper; 404 otherwise (no existence leak)."""
    order = get_order(shop_id, order_id)
    if order.user_id != user_id:
        raise not_found("order", order_id)
    return order


def event(shop_id: str, order_id: str, kind: str, actor: str, source: Optional[str], target: Optional[str],
          data: Optional[Dict[str, Any]] = None, at: Optional[int] = None, suffix: Optional[str] = None) -> OrderEvent:
    """A history entry; SK `EVENT#<ms>#<suffix>` sorts by time. A fixed `suffix` (with a fixed `at`)
    makes the item deterministic, so a transaction retried with the same token has the same parameters."""
    moment = at or now()
    sort_key = f"EVENT#{moment * 1000 if at else int(time.time() * 1000):013d}#{suffix or new_id()}"
    return OrderEvent(order_pk(shop_id, order_id), sort_key, order_id=order_id, type=kind,
                      from_status=source, to_status=target, actor=actor, at=moment, data=data)


def status_actions(order: Order, target: str) -> List[Any]:
    """Set the status and move the order between the by-status index partitions."""
    index = Order.index_keys(order.shop_id, order.user_id, order.order_id, target, order.created_at)
    return [Order.status.set(target), Order.GSI2PK.set(index["GSI2PK"])]


def transition(order: Order, sources: Iterable[str], target: str, actor: str, *,
               actions: Optional[List[Any]] = None, data: Optional[Dict[str, Any]] = None,
               extra: Optional[Callable[[Transaction], None]] = None, token: Optional[str] = None,
               condition: Optional[Any] = None) -> None:
    """Move `order` to `target` if it is in one of `sources`; 409 `order_state` otherwise.

    `actions` are further updates of the order item; `condition` is ANDed with the state check;
    `extra(tx)` adds other items' writes to the same transaction.
    """
    allowed = [s for s in sources if states.can_move(s, target)]
    if not allowed:
        raise ValueError(f"no legal transition from {sorted(sources)} to {target}")

    def build() -> Transaction:
        tx = Transaction(token)
        ref = Order(*Order.key(order.shop_id, order.order_id))
        guard = Order.status.is_in(*allowed)
        tx.update("order", ref, status_actions(order, target) + list(actions or []),
                  condition=guard if condition is None else guard & condition, decides=True)
        tx.put("event", event(order.shop_id, order.order_id, f"status:{target}", actor, order.status, target, data))
        if extra:
            extra(tx)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == "order":
            raise Conflict("order_state", f"The order cannot become {target} from its current state.") from exc
        raise


def restock_actions(tx: Transaction, shop_id: str, lines: Iterable[Dict[str, Any]]) -> None:
    """Give each line's quantity back to its SKU's stock."""
    for line in lines:
        tx.update(f"restock:{line['sku_id']}", Sku(*Sku.key(shop_id, line["sku_id"])),
                  [Sku.stock.add(line["quantity"]), Sku.sales.add(-line["quantity"])])


def list_for_key(index: Any, partition: str, limit: int, start: Optional[Dict[str, Any]] = None,
                 status: Optional[str] = None) -> Any:
    """Query one order index partition, newest first, optionally filtered by status."""
    condition = Order.status == status if status else None
    return index.query(partition, scan_index_forward=False, limit=limit, last_evaluated_key=start,
                       filter_condition=condition)


def user_orders_partition(shop_id: str, user_id: str) -> str:
    """GSI1 partition of a shopper's orders."""
    return keys.scoped(shop_id, "USER", user_id, "ORDERS")


def release_actions(tx: Transaction, order: Order) -> None:
    """Give back what checkout took for this order: stock, and whatever each checkout part took
    (a line whose stock a part took — `stock_from` — goes back through that part's release)."""
    from crowdcart.purchase.parts import all_parts

    restock_actions(tx, order.shop_id, [line for line in order.lines if not line.get("stock_from")])
    for part in all_parts():
        part.release(order, tx)


def clear_due(order_cls: Any = Order) -> List[Any]:
    """Actions that take an order off the DUE index."""
    return [order_cls.DUEPK.remove(), order_cls.DUESK.remove()]


def cancel_unpaid(order: Order, actor: str, reason: str, *, only_if_due: bool = False,
                  at: Optional[int] = None) -> None:
    """Cancel a pending order and release what checkout took, in one transaction; 409 if not pending.

    `only_if_due` (sweepers) also requires the pay deadline to have passed by `at` (default now).
    """
    moment = at or now()
    transition(order, [states.PENDING_PAYMENT], states.CANCELLED, actor,
               actions=[Order.cancelled_at.set(moment), Order.cancel_reason.set(reason)] + clear_due(),
               data={"reason": reason}, extra=lambda tx: release_actions(tx, order),
               condition=(Order.pay_deadline_at <= moment) if only_if_due else None)


def view(order: Order, events: Optional[List[OrderEvent]] = None, for_merchant: bool = False) -> Dict[str, Any]:
    """The order as the API shows it (the pickup code only once paid, or to the merchant)."""
    from crowdcart.clock import iso

    body: Dict[str, Any] = {
        "id": order.order_id, "status": order.status, "user_id": order.user_id,
        "lines": order.lines, "goods_fen": order.goods_fen, "discount_fen": order.discount_fen,
        "shipping_fen": order.shipping_fen, "payable_fen": order.payable_fen, "pricing": order.pricing,
        "delivery": order.delivery, "coupon_id": order.coupon_id, "points_used": order.points_used,
        "activity": order.activity, "created_at": iso(order.created_at),
        "pay_deadline_at": order.pay_deadline_at, "paid_at": iso(order.paid_at) if order.paid_at else None,
        "shipment": order.shipment, "refunded_fen": order.refunded_fen,
        "receive_deadline_at": order.receive_deadline_at,
    }
    if order.pickup_code and (for_merchant or order.status not in (states.PENDING_PAYMENT, states.CANCELLED)):
        body["pickup_code"] = order.pickup_code
    if events is not None:
        body["events"] = [{"type": e.type, "from": e.from_status, "to": e.to_status, "actor": e.actor,
                           "at": iso(e.at), "data": e.data} for e in events]
    return body


def history(shop_id: str, order_id: str) -> List[OrderEvent]:
    """An order's events, oldest first."""
    return list(OrderEvent.query(order_pk(shop_id, order_id), OrderEvent.SK.startswith("EVENT#")))
