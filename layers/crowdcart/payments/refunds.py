"""Refunds: one deterministic out_refund_no per (order, cause), a Refund record written with the order's
move to `refunding`, the WeChat Pay refund call (retried with the same number), and the retry sweep.

Callers (after-sales, the group-buy refund task, late payments) use `request_refund`; calling it
again with the same cause never makes a second refund: it returns the record and, while the
refund is still `requested`, asks WeChat again with the same out_refund_no.
"""
from typing import Any, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.orders import Order, Refund
from crowdcart.db.orders import event, get_order, transition
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction, update_if
from crowdcart.domain import order_states as states
from crowdcart.errors import Conflict, Unprocessable
from crowdcart.ids import derived_id
from crowdcart.observability import business_event, logger
from crowdcart.payments.config import merchant_config, notify_url
from crowdcart.payments.gateway import GatewayError, gateway

REFUND_DUE = "DUE#refund_retry"
FIRST_RETRY_SECONDS = 60
MAX_ATTEMPTS = 12
REFUNDABLE = (states.PAID, states.SHIPPED, states.RECEIVED, states.COMPLETED)
REQUESTED, SUCCEEDED, ABNORMAL, CLOSED = "requested", "succeeded", "abnormal", "closed"


def refund_number(shop_id: str, order_id: str, cause: str) -> str:
    """The out_refund_no for this order and cause: always the same (39 chars of [0-9A-Z])."""
    return f"{order_id}R{derived_id('refund', shop_id, order_id, cause, length=12)}"


def due_keys(when: int, shop_id: str, order_id: str, out_refund_no: str) -> Dict[str, str]:
    """DUE index keys that make the retry sweep look at this refund at `when`."""
    return {"DUEPK": REFUND_DUE, "DUESK": f"{when:010d}#{shop_id}#{order_id}#{out_refund_no}"}


def get_refund(shop_id: str, order_id: str, out_refund_no: str) -> Optional[Refund]:
    """The refund record, read consistently, or None."""
    try:
        return Refund.get(*Refund.key(shop_id, order_id, out_refund_no), consistent_read=True)
    except DoesNotExist:
        return None


def refunds_of(shop_id: str, order_id: str) -> List[Refund]:
    """All refund records of an order."""
    pk, _ = Order.key(shop_id, order_id)
    return list(Refund.query(pk, Refund.SK.startswith("REFUND#"), consistent_read=True))


def _lines(order: Order, lines: Optional[List[Dict[str, Any]]]) -> Optional[List[Dict[str, int]]]:
    if lines is None:
        return None
    ordered = {line["sku_id"]: int(line["quantity"]) for line in order.lines or []}
    picked: Dict[str, int] = {}
    for line in lines:
        sku_id, quantity = line.get("sku_id"), int(line.get("quantity") or 0)
        if sku_id not in ordered or quantity < 1 or picked.get(sku_id, 0) + quantity > ordered[sku_id]:
            raise Unprocessable("validation_error", f"lines: {sku_id} is not on the order in that quantity",
                                field="lines")
        picked[sku_id] = picked.get(sku_id, 0) + quantity
    return [{"sku_id": sku, "quantity": qty} for sku, qty in picked.items()]


def new_refund(order: Order, amount_fen: int, reason: str, cause: str,
               lines: Optional[List[Dict[str, int]]] = None, restock: Optional[List[Dict[str, int]]] = None) -> Refund:
    """A `requested` refund record, due for the retry sweep in a minute (in case the call never happens)."""
    number = refund_number(order.shop_id, order.order_id, cause)
    moment = now()
    return Refund(*Refund.key(order.shop_id, order.order_id, number), order_id=order.order_id, out_refund_no=number,
                  amount_fen=amount_fen, reason=reason[:200], status=REQUESTED, lines=lines, restock=restock,
                  created_at=moment, updated_at=moment, attempts=0,
                  **due_keys(moment + FIRST_RETRY_SECONDS, order.shop_id, order.order_id, number))


def request_refund(order: Order, amount_fen: int, reason: str, cause: str,
                   lines: Optional[List[Dict[str, Any]]] = None, restock: bool = False,
                   actor: str = "system") -> Refund:
    """Refund `amount_fen` of a paid order, idempotent by `cause` (e.g. `after_sales:<id>`, `group_failed`).

    A paid/shipped/received/completed order moves to `refunding` in the same transaction that writes the
    Refund; a cancelled order that was paid late only gets the Refund. `lines` names what is refunded;
    `restock=True` gives those lines (default: all) back to stock when WeChat confirms — only for goods
    that never shipped. Returns the Refund (status `requested` until the notification arrives).
    409 when the order cannot be refunded now (unpaid, another refund in flight), 422 for a bad amount.
    """
    number = refund_number(order.shop_id, order.order_id, cause)
    existing = get_refund(order.shop_id, order.order_id, number)
    if existing is not None:
        return resubmit(existing, order.shop_id)
    current = get_order(order.shop_id, order.order_id, consistent=True)
    if not current.transaction_id:
        raise Conflict("order_not_paid", "Only a paid order can be refunded.")
    left = int(current.payable_fen) - int(current.refunded_fen or 0)
    if not isinstance(amount_fen, int) or not 0 < amount_fen <= left:
        raise Unprocessable("validation_error", f"amount_fen: must be between 1 and {left}", field="amount_fen")
    picked = _lines(current, lines)
    restock_lines = None
    if restock:
        if current.shipped_at or current.status != states.PAID:
            raise Conflict("already_shipped", "Only goods that never shipped go back to stock.")
        restock_lines = picked or [{"sku_id": l["sku_id"], "quantity": int(l["quantity"])} for l in current.lines]
    refund = new_refund(current, amount_fen, reason, cause, picked, restock_lines)
    data = {"out_refund_no": number, "amount_fen": amount_fen, "cause": cause}
    try:
        if current.status in REFUNDABLE:
            transition(current, [current.status], states.REFUNDING, actor,
                       actions=[Order.status_before_refund.set(current.status)], data=data,
                       # the refund's own record decides first: the same refund asked twice is answered, not 409
                       extra=lambda tx: tx.put("refund", refund, Refund.PK.does_not_exist(), decides=True),
                       condition=Order.refunded_fen == current.refunded_fen)
        elif current.status == states.CANCELLED:
            _refund_without_transition(current, refund, actor, data)
        else:
            raise Conflict("refund_in_progress" if current.status == states.REFUNDING else "order_not_refundable",
                           f"The order is {current.status}; it cannot be refunded now.")
    except ConditionFailed as exc:
        if exc.label != "refund":
            raise
        return resubmit(get_refund(order.shop_id, order.order_id, number), order.shop_id)
    business_event("RefundRequested", shop_id=order.shop_id, order_id=order.order_id, out_refund_no=number,
                   amount_fen=amount_fen, cause=cause)
    return submit(refund, current)


def _refund_without_transition(order: Order, refund: Refund, actor: str, data: Dict[str, Any]) -> None:
    def build() -> Transaction:
        tx = Transaction()
        tx.check("order", Order, order.PK, order.SK,
                 (Order.status == order.status) & (Order.refunded_fen == order.refunded_fen))
        tx.put("refund", refund, Refund.PK.does_not_exist())
        tx.put("event", event(order.shop_id, order.order_id, "refund:requested", actor, order.status, order.status, data))
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == "order":
            raise Conflict("order_state", "The order changed meanwhile; retry.") from exc
        raise


def resubmit(refund: Refund, shop_id: str) -> Refund:
    """A refund asked for before: ask WeChat again (same number) while it is still `requested`."""
    if refund.status != REQUESTED:
        return refund
    return submit(refund, get_order(shop_id, refund.order_id, consistent=True))


def submit(refund: Refund, order: Order) -> Refund:
    """Call the refund API with the record's out_refund_no; record the attempt, and reschedule on failure."""
    ref = Refund(*Refund.key(order.shop_id, order.order_id, refund.out_refund_no))
    attempts = int(refund.attempts or 0) + 1
    try:
        config = merchant_config(order.shop_id)
        gateway().refund(config, order, refund, notify_url(order.shop_id))
    except GatewayError as exc:
        logger.warning("refund call failed", extra={"shop_id": order.shop_id, "order_id": order.order_id,
                                                     "out_refund_no": refund.out_refund_no, "code": exc.code})
        if exc.retryable and attempts < MAX_ATTEMPTS:
            when = now() + min(FIRST_RETRY_SECONDS * 2 ** attempts, 6 * 3600)
            keys = due_keys(when, order.shop_id, order.order_id, refund.out_refund_no)
            update_if("refund", ref, [Refund.attempts.set(attempts), Refund.last_error.set(exc.code),
                                      Refund.updated_at.set(now()), Refund.DUEPK.set(keys["DUEPK"]),
                                      Refund.DUESK.set(keys["DUESK"])])
            business_event("RefundRetryScheduled", shop_id=order.shop_id, order_id=order.order_id)
        else:
            update_if("refund", ref, [Refund.attempts.set(attempts), Refund.last_error.set(exc.code),
                                      Refund.updated_at.set(now()), Refund.DUEPK.remove(), Refund.DUESK.remove()])
            from crowdcart.payments.results import apply_refund_outcome

            apply_refund_outcome(order.shop_id, order.order_id, refund.out_refund_no, CLOSED, note=exc.code)
        return get_refund(order.shop_id, order.order_id, refund.out_refund_no)
    update_if("refund", ref, [Refund.attempts.set(attempts), Refund.last_error.remove(), Refund.updated_at.set(now()),
                              Refund.DUEPK.remove(), Refund.DUESK.remove()])
    return get_refund(order.shop_id, order.order_id, refund.out_refund_no)


def retry_due(limit: int = 25) -> int:
    """The sweep: ask again for every `requested` refund whose retry time has come; returns how many."""
    page = Refund._get_connection().query(REFUND_DUE, index_name="DUE", limit=limit,
                                          range_key_condition=Refund.DUESK <= f"{now():010d}~")
    count = 0
    for item in page.get("Items", []):
        _, shop_id, order_id, number = item["DUESK"]["S"].split("#", 3)
        refund = get_refund(shop_id, order_id, number)
        if refund is None or refund.status != REQUESTED:
            continue
        try:
            resubmit(refund, shop_id)
            count += 1
        except Exception:  # one broken refund must not stop the sweep; it stays due
            logger.exception("refund retry failed", extra={"shop_id": shop_id, "order_id": order_id})
    return count
