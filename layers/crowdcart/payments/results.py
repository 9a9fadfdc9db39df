"""Applying verified WeChat Pay results to orders (shared by the webhook, the sandbox and, later, group buys).

Every effect is one conditional transaction that also puts the notification's marker
(`WXNOTIFY#<id>`, put-if-absent), so a redelivered notification changes nothing:
- TRANSACTION.SUCCESS on a pending order → `paid` (paid_at, transaction_id, DUE keys removed);
- on an order no longer accepting payment (cancelled by the pay timeout…) → the payment is recorded
  and refunded once (out_refund_no derived from the order and the cause `late_payment`);
- an order bought under an activity whose checkout part has `on_paid` (group buys) adds that part's
  writes and conditions to the paid transaction; when one of them fails, the part's `payment_refused`
  says what happened (it may cancel the order) and the payment is decided again — a cancelled order's
  payment is then recorded and refunded once, like any late payment;
- every paid order counts on the shopper's profile (`paid_orders`, read by new-user rules);
- REFUND.SUCCESS → refunded_fen grows, the order leaves `refunding` (to `refunded` when all is back),
  stock returns for refunds that asked for it; REFUND.ABNORMAL / REFUND.CLOSED → the refund is marked
  and the order goes back to the state it had before the refund.
"""
from typing import Any, Callable, Dict, List, Optional, Tuple

from crowdcart.clock import now
from crowdcart.db.models.orders import Order, Refund
from crowdcart.db.models.shops import Shopper
from crowdcart.db.orders import clear_due, event, get_order, restock_actions, transition
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.domain import order_states as states
from crowdcart.errors import Conflict, NotFound, ServiceUnavailable
from crowdcart.ids import is_id
from crowdcart.observability import business_event, logger
from crowdcart.payments import refunds
from crowdcart.payments.gateway import epoch_of
from crowdcart.payments.models import NotificationMarker
from crowdcart.payments.webhook import Notification, WebhookRejected

ACTOR = "wechatpay"
MARKER_DAYS = 30  # WeChat retries for 24 h 4 min; keep markers well past that
LATE_PAYMENT = "late_payment"
REFUND_EVENTS = {"REFUND.SUCCESS": refunds.SUCCEEDED, "REFUND.ABNORMAL": refunds.ABNORMAL,
                 "REFUND.CLOSED": refunds.CLOSED}
REFUND_STATUS = {"REFUND.SUCCESS": "SUCCESS", "REFUND.ABNORMAL": "ABNORMAL", "REFUND.CLOSED": "CLOSED"}
ATTEMPTS = 4


def apply(notification: Notification) -> str:
    """Dispatch a verified notification by event type; returns the outcome."""
    if notification.event_type == "TRANSACTION.SUCCESS":
        return apply_payment(notification)
    if notification.event_type in REFUND_EVENTS:
        return apply_refund_notification(notification)
    business_event("WechatPayNotificationIgnored", shop_id=notification.shop_id, event_type=notification.event_type)
    return "ignored"


def _marker(shop_id: str, order_id: str, notification: Optional[Notification], outcome: str) -> Optional[NotificationMarker]:
    if notification is None:
        return None
    moment = now()
    return NotificationMarker(*NotificationMarker.key(shop_id, order_id, notification.id),
                              event_type=notification.event_type, applied_at=moment, outcome=outcome,
                              expires_at_ttl=moment + MARKER_DAYS * 86400)


def _put_marker(tx: Transaction, marker: Optional[NotificationMarker]) -> None:
    if marker is not None:
        tx.put("marker", marker, NotificationMarker.PK.does_not_exist(), decides=True)  # a redelivery: done


def _order(shop_id: str, order_id: Any) -> Order:
    if not is_id(order_id):
        raise WebhookRejected(404, "unknown_order", "out_trade_no is not an order of this shop")
    try:
        return get_order(shop_id, order_id, consistent=True)
    except NotFound as exc:
        raise WebhookRejected(404, "unknown_order", "out_trade_no is not an order of this shop") from exc


def _payment_fields(notification: Notification) -> Tuple[str, str, int]:
    res, config = notification.resource, notification.config
    if res.get("mchid") != config.mchid or res.get("appid") != config.appid:
        business_event("WechatPayMerchantMismatch", shop_id=config.shop_id)
        raise WebhookRejected(400, "merchant_mismatch", "mchid/appid do not match this shop")
    if res.get("trade_state") != "SUCCESS":
        raise WebhookRejected(400, "not_success", "trade_state is not SUCCESS")
    amount = res.get("amount") if isinstance(res.get("amount"), dict) else {}
    total, transaction_id = amount.get("total"), res.get("transaction_id")
    if not isinstance(total, int) or amount.get("currency", "CNY") != "CNY" or not isinstance(transaction_id, str):
        raise WebhookRejected(400, "bad_resource", "amount or transaction_id missing")
    return str(res.get("out_trade_no") or ""), transaction_id, total


def apply_payment(notification: Notification) -> str:
    """TRANSACTION.SUCCESS: compare with our order, then mark it paid, or record and refund a late payment."""
    shop_id = notification.shop_id
    order_id, transaction_id, total = _payment_fields(notification)
    paid_at = epoch_of(notification.resource.get("success_time")) or now()
    for _ in range(ATTEMPTS):
        order = _order(shop_id, order_id)
        if total != int(order.payable_fen):
            business_event("WechatPayAmountMismatch", shop_id=shop_id, order_id=order_id, total=total,
                           payable_fen=int(order.payable_fen))
            raise WebhookRejected(400, "amount_mismatch", "amount does not match the order")
        if order.transaction_id == transaction_id:
            return "duplicate"
        if order.transaction_id:
            logger.error("second transaction for one order", extra={"shop_id": shop_id, "order_id": order_id})
            raise WebhookRejected(409, "other_transaction", "the order was paid by another transaction")
        try:
            if order.status == states.PENDING_PAYMENT:
                _mark_paid(order, notification, transaction_id, total, paid_at)
                business_event("OrderPaid", shop_id=shop_id, order_id=order_id, amount_fen=total)
                return "paid"
            refund = _record_late_payment(order, notification, transaction_id, total, paid_at)
        except ConditionFailed as exc:
            if exc.label == "marker":
                return "duplicate"
            part = _activity_part(order)
            if part is not None and exc.label.startswith(f"{part.name}:"):
                part.payment_refused(order, exc.label, paid_at)  # may cancel the order (then: late payment)
                continue
            if exc.label != "order":
                raise
            continue  # the order moved meanwhile (e.g. the pay timeout): decide again
        except Conflict:
            continue
        business_event("LatePaymentRefunded", shop_id=shop_id, order_id=order_id, amount_fen=total)
        order.transaction_id = transaction_id
        refunds.submit(refund, order)
        return "late_payment_refund_requested"
    raise ServiceUnavailable("busy", "The order is changing too fast; retry.")


def _activity_part(order: Order) -> Any:
    """The checkout part of the order's activity when it takes part in payment (has `on_paid`), else None."""
    kind = (order.activity or {}).get("type")
    if not kind:
        return None
    from crowdcart.purchase.parts import all_parts

    return next((p for p in all_parts() if p.name == kind and hasattr(p, "on_paid")), None)


def _mark_paid(order: Order, notification: Notification, transaction_id: str, total: int, paid_at: int) -> None:
    marker = _marker(order.shop_id, order.order_id, notification, "paid")
    part = _activity_part(order)
    share = part.on_paid(order, paid_at) if part is not None else None

    def extra(tx: Transaction) -> None:
        _put_marker(tx, marker)
        tx.update("shopper", Shopper(*Shopper.key(order.shop_id, order.user_id)), [Shopper.paid_orders.add(1)])
        if share is not None:
            share.write(tx)

    transition(order, [states.PENDING_PAYMENT], states.PAID, ACTOR,
               actions=[Order.paid_at.set(paid_at), Order.transaction_id.set(transaction_id)] + clear_due()
               + (share.order_actions if share is not None else []),
               data={"transaction_id": transaction_id, "amount_fen": total, "notification_id": notification.id},
               extra=extra, condition=(Order.payable_fen == total) & Order.transaction_id.does_not_exist())


def _record_late_payment(order: Order, notification: Notification, transaction_id: str, total: int,
                         paid_at: int) -> Refund:
    """Record the payment on an order that no longer accepts it, with its refund, in one transaction."""
    refund = refunds.new_refund(order, total, "order closed before payment arrived", LATE_PAYMENT)
    marker = _marker(order.shop_id, order.order_id, notification, "late_payment")
    data = {"transaction_id": transaction_id, "amount_fen": total, "paid_at": paid_at,
            "notification_id": notification.id, "out_refund_no": refund.out_refund_no}

    def build() -> Transaction:
        tx = Transaction()
        tx.update("order", Order(*Order.key(order.shop_id, order.order_id)), [Order.transaction_id.set(transaction_id)],
                  condition=(Order.status == order.status) & Order.transaction_id.does_not_exist()
                  & (Order.payable_fen == total))
        tx.put("event", event(order.shop_id, order.order_id, "payment:late", ACTOR, order.status, order.status, data))
        tx.put("refund", refund, Refund.PK.does_not_exist())
        _put_marker(tx, marker)
        return tx

    run_transaction(build)
    return refund


def apply_refund_notification(notification: Notification) -> str:
    """REFUND.SUCCESS / ABNORMAL / CLOSED: compare with our refund record, then apply."""
    res, config = notification.resource, notification.config
    if res.get("mchid") != config.mchid:
        raise WebhookRejected(400, "merchant_mismatch", "mchid does not match this shop")
    if res.get("refund_status") != REFUND_STATUS[notification.event_type]:
        raise WebhookRejected(400, "status_mismatch", "refund_status does not match event_type")
    amount = res.get("amount") if isinstance(res.get("amount"), dict) else {}
    return apply_refund_outcome(notification.shop_id, res.get("out_trade_no"), res.get("out_refund_no"),
                                REFUND_EVENTS[notification.event_type], notification=notification,
                                amounts=(amount.get("refund"), amount.get("total")))


def apply_refund_outcome(shop_id: str, order_id: Any, out_refund_no: Any, outcome: str, *,
                         notification: Optional[Notification] = None, amounts: Optional[Tuple[Any, Any]] = None,
                         note: Optional[str] = None) -> str:
    """Settle a refund as `succeeded`, `abnormal` or `closed` (from a notification, or a refused refund call)."""
    for _ in range(ATTEMPTS):
        order = _order(shop_id, order_id)
        refund = refunds.get_refund(shop_id, order.order_id, str(out_refund_no or "")) if out_refund_no else None
        if refund is None:
            raise WebhookRejected(404, "unknown_refund", "out_refund_no is not a refund of this order")
        if amounts is not None and (amounts[0] != int(refund.amount_fen) or amounts[1] != int(order.payable_fen)):
            business_event("WechatPayRefundMismatch", shop_id=shop_id, order_id=order.order_id)
            raise WebhookRejected(400, "amount_mismatch", "refund amount does not match our refund")
        if refund.status == outcome or refund.status in (refunds.SUCCEEDED, refunds.CLOSED):
            return "duplicate"
        try:
            _settle(order, refund, outcome, notification, note)
        except ConditionFailed as exc:
            if exc.label in ("marker", "refund"):
                return "duplicate"
            if exc.label != "order":
                raise
            continue
        except Conflict:
            continue
        business_event(f"Refund{outcome.capitalize()}", shop_id=shop_id, order_id=order.order_id,
                       out_refund_no=refund.out_refund_no, amount_fen=int(refund.amount_fen))
        return f"refund_{outcome}"
    raise ServiceUnavailable("busy", "The order is changing too fast; retry.")


def _target(order: Order, refund: Refund, outcome: str) -> Optional[str]:
    """The order's next status, or None to leave it."""
    fully = outcome == refunds.SUCCEEDED and int(order.refunded_fen or 0) + int(refund.amount_fen) >= int(order.payable_fen)
    if fully and states.can_move(order.status, states.REFUNDED):
        return states.REFUNDED
    if order.status == states.REFUNDING and refund.status == refunds.REQUESTED:
        before = order.status_before_refund or states.PAID
        return before if states.can_move(states.REFUNDING, before) else states.RECEIVED
    return None


def _settle(order: Order, refund: Refund, outcome: str, notification: Optional[Notification],
            note: Optional[str]) -> None:
    marker = _marker(order.shop_id, order.order_id, notification, f"refund_{outcome}")
    refund_actions = [Refund.status.set(outcome), Refund.updated_at.set(now()), Refund.DUEPK.remove(),
                      Refund.DUESK.remove()]
    if note:
        refund_actions.append(Refund.last_error.set(note))
    order_actions: List[Any] = []
    if outcome == refunds.SUCCEEDED:
        order_actions.append(Order.refunded_fen.add(int(refund.amount_fen)))
    target = _target(order, refund, outcome)
    if target and order.status == states.REFUNDING and target != states.REFUNDING:
        order_actions.append(Order.status_before_refund.remove())
    data = {"out_refund_no": refund.out_refund_no, "amount_fen": int(refund.amount_fen), "refund": outcome}
    if notification is not None:
        data["notification_id"] = notification.id

    def extra(tx: Transaction) -> None:
        tx.update("refund", Refund(*Refund.key(order.shop_id, order.order_id, refund.out_refund_no)), refund_actions,
                  condition=Refund.status.is_in(refunds.REQUESTED, refunds.ABNORMAL))
        _put_marker(tx, marker)
        if outcome == refunds.SUCCEEDED and refund.restock:
            restock_actions(tx, order.shop_id, refund.restock)

    unchanged_refunds = Order.refunded_fen == order.refunded_fen
    if target:
        transition(order, [order.status], target, ACTOR, actions=order_actions, data=data, extra=extra,
                   condition=unchanged_refunds)
    else:
        _same_status(order, order_actions, f"refund:{outcome}", data, extra, unchanged_refunds)


def _same_status(order: Order, actions: List[Any], kind: str, data: Dict[str, Any],
                 extra: Callable[[Transaction], None], condition: Any) -> None:
    def build() -> Transaction:
        tx = Transaction()
        tx.update("order", Order(*Order.key(order.shop_id, order.order_id)),
                  actions or [Order.status.set(order.status)], condition=(Order.status == order.status) & condition)
        tx.put("event", event(order.shop_id, order.order_id, kind, ACTOR, order.status, order.status, data))
        extra(tx)
        return tx

    run_transaction(build)
