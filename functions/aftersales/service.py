"""After-sales: one open request per order, priced from what each line paid; the merchant decides.

Approving calls the core refund (idempotent by `after_sale:<id>`, deterministic out_refund_no);
the order becomes `refunding` then, and `refunded` (or back to its state for a partial refund)
when WeChat's notification arrives. Goods that never shipped go back to stock.
"""
from typing import Any, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import iso, now
from crowdcart.db import keys
from crowdcart.db.models.orders import AfterSale, Order
from crowdcart.db.models.shops import Shop
from crowdcart.db.orders import get_order, get_shopper_order
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.domain import order_states as states
from crowdcart.domain.shop_settings import effective
from crowdcart.errors import Conflict, Unprocessable, not_found
from crowdcart.ids import is_id, new_id
from crowdcart.observability import business_event
from crowdcart.pagination import decode_cursor, encode_cursor
from crowdcart.payments.refunds import request_refund

OPEN_FOR_AFTER_SALES = (states.PAID, states.SHIPPED, states.RECEIVED)


def view(after_sale: AfterSale) -> Dict[str, Any]:
    """An after-sale request as the API shows it."""
    return {"id": after_sale.after_sale_id, "order_id": after_sale.order_id, "status": after_sale.status,
            "reason": after_sale.reason, "photos": after_sale.photos, "lines": after_sale.lines,
            "amount_fen": after_sale.amount_fen, "created_at": iso(after_sale.created_at),
            "decided_at": iso(after_sale.decided_at) if after_sale.decided_at else None,
            "decision_note": after_sale.decision_note, "out_refund_no": after_sale.out_refund_no}


def refund_amount(order: Order, lines: Optional[List[Dict[str, int]]]) -> int:
    """What the requested lines paid (pro rata by quantity), or everything not yet refunded."""
    left = int(order.payable_fen) - int(order.refunded_fen or 0)
    if not lines:
        return left
    by_sku = {line["sku_id"]: line for line in order.lines}
    total = 0
    for wanted in lines:
        line = by_sku.get(wanted["sku_id"])
        if line is None:
            raise Unprocessable("validation_error", f"lines: SKU {wanted['sku_id']} is not in this order",
                                field="lines")
        if wanted["quantity"] > int(line["quantity"]):
            raise Unprocessable("validation_error", f"lines: at most {line['quantity']} of {wanted['sku_id']}",
                                field="lines")
        total += int(line["paid_fen"]) * wanted["quantity"] // int(line["quantity"])
    return max(1, min(total, left))


def _window_open(order: Order) -> bool:
    if order.status != states.RECEIVED or not order.received_at:
        return order.status in OPEN_FOR_AFTER_SALES
    days = effective(Shop.get(*Shop.key(order.shop_id)).settings).after_sales_days
    return now() <= int(order.received_at) + days * 86400


def request(shop_id: str, user_id: str, order_id: str, reason: str, lines: Optional[List[Dict[str, int]]],
            photos: List[str]) -> Dict[str, Any]:
    """The shopper asks for a refund; one open request per order (409 otherwise)."""
    order = get_shopper_order(shop_id, user_id, order_id)
    if order.status not in OPEN_FOR_AFTER_SALES or not _window_open(order):
        raise Conflict("after_sales_closed", "This order cannot be refunded through after-sales now.")
    amount = refund_amount(order, lines)
    after_sale_id, created = new_id(), now()
    record = AfterSale(*AfterSale.key(shop_id, after_sale_id), after_sale_id=after_sale_id, order_id=order_id,
                       user_id=user_id, status="requested", reason=reason, photos=photos, lines=lines,
                       amount_fen=amount, created_at=created,
                       **AfterSale.index_keys(shop_id, order_id, "requested", created, after_sale_id))

    def build() -> Transaction:
        tx = Transaction()
        tx.put("after_sale", record, AfterSale.PK.does_not_exist())
        tx.update("order", Order(*Order.key(shop_id, order_id)), [Order.open_after_sale.set(after_sale_id)],
                  condition=Order.open_after_sale.does_not_exist() & Order.status.is_in(*OPEN_FOR_AFTER_SALES))
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        raise Conflict("after_sale_open", "This order already has a refund request or changed state.") from exc
    business_event("AfterSaleRequested", shop_id=shop_id, order_id=order_id, amount_fen=amount)
    return view(record)


def _load(shop_id: str, after_sale_id: str) -> AfterSale:
    if not is_id(after_sale_id):
        raise not_found("refund_request", after_sale_id)
    try:
        return AfterSale.get(*AfterSale.key(shop_id, after_sale_id), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("refund_request", after_sale_id) from exc


def _close(after_sale: AfterSale, shop_id: str, status: str, note: str, out_refund_no: Optional[str]) -> None:
    """Record the decision and free the order for another request, in one transaction."""
    index = AfterSale.index_keys(shop_id, after_sale.order_id, status, after_sale.created_at,
                                 after_sale.after_sale_id)

    def build() -> Transaction:
        tx = Transaction()
        tx.update("after_sale", AfterSale(*AfterSale.key(shop_id, after_sale.after_sale_id)),
                  [AfterSale.status.set(status), AfterSale.decided_at.set(now()), AfterSale.decision_note.set(note),
                   AfterSale.GSI2PK.set(index["GSI2PK"])]
                  + ([AfterSale.out_refund_no.set(out_refund_no)] if out_refund_no else []),
                  condition=AfterSale.status == "requested")
        tx.update("order", Order(*Order.key(shop_id, after_sale.order_id)), [Order.open_after_sale.remove()],
                  condition=Order.open_after_sale == after_sale.after_sale_id)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        raise Conflict("already_decided", "This refund request was already decided.") from exc


def approve(shop_id: str, after_sale_id: str, note: str, actor: str) -> Dict[str, Any]:
    """Approve: refund through WeChat (goods that never shipped go back to stock)."""
    after_sale = _load(shop_id, after_sale_id)
    if after_sale.status != "requested":
        raise Conflict("already_decided", "This refund request was already decided.")
    order = get_order(shop_id, after_sale.order_id, consistent=True)
    never_shipped = order.status == states.PAID and not order.shipped_at
    refund = request_refund(order, int(after_sale.amount_fen), after_sale.reason, f"after_sale:{after_sale_id}",
                            lines=after_sale.lines, restock=never_shipped, actor=actor)
    _close(after_sale, shop_id, "approved", note, refund.out_refund_no)
    business_event("AfterSaleApproved", shop_id=shop_id, order_id=order.order_id)
    return view(_load(shop_id, after_sale_id))


def reject(shop_id: str, after_sale_id: str, note: str) -> Dict[str, Any]:
    """Reject: the order stays as it is and may get another request."""
    after_sale = _load(shop_id, after_sale_id)
    _close(after_sale, shop_id, "rejected", note, None)
    return view(_load(shop_id, after_sale_id))


def for_order(shop_id: str, user_id: str, order_id: str) -> Dict[str, Any]:
    """The shopper's requests on one order."""
    get_shopper_order(shop_id, user_id, order_id)
    found = AfterSale.gsi1.query(keys.scoped(shop_id, "ORDER", order_id, "AFTERSALES"), scan_index_forward=False)
    return {"items": [view(a) for a in found], "next_cursor": None}


def for_shop(shop_id: str, status: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The shop's requests in one status (default: awaiting a decision), newest first."""
    if status not in ("requested", "approved", "rejected"):
        raise Unprocessable("validation_error", "status: must be requested, approved or rejected", field="status")
    results = AfterSale.gsi2.query(keys.scoped(shop_id, "AFTERSALES", status), scan_index_forward=False, limit=limit,
                                   last_evaluated_key=decode_cursor(shop_id, cursor))
    items = [view(a) for a in results]
    return {"items": items, "next_cursor": encode_cursor(shop_id, results.last_evaluated_key)}
