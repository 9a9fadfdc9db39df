"""JSAPI prepay: a prepay_id for a pending order (reused while WeChat still honours it) and the signed
parameters wx.requestPayment needs."""
from typing import Dict

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.orders import Order
from crowdcart.db.models.shops import Shopper
from crowdcart.domain import order_states as states
from crowdcart.errors import Conflict, ServiceUnavailable, not_found
from crowdcart.observability import business_event
from crowdcart.payments.config import merchant_config, notify_url
from crowdcart.payments.gateway import GatewayError, gateway, jsapi_params
from crowdcart.payments.models import Prepay

PREPAY_VALID_SECONDS = 7200  # WeChat: a prepay_id is valid for two hours
REUSE_MARGIN_SECONDS = 600


def _openid(shop_id: str, user_id: str) -> str:
    try:
        return Shopper.get(*Shopper.key(shop_id, user_id)).openid
    except DoesNotExist as exc:
        raise not_found("user", user_id) from exc


def _prepay_id(order: Order) -> str:
    try:
        found = Prepay.get(*Prepay.key(order.shop_id, order.order_id))
        if found.reuse_until > now() and found.amount_fen == order.payable_fen:
            return found.prepay_id
    except DoesNotExist:
        pass
    config = merchant_config(order.shop_id)
    try:
        prepay_id = gateway().prepay(config, order, _openid(order.shop_id, order.user_id), notify_url(order.shop_id))
    except GatewayError as exc:
        if exc.code == "ORDERPAID":
            raise Conflict("order_already_paid", "WeChat Pay says this order is already paid.") from exc
        if exc.code == "ORDER_CLOSED":
            raise Conflict("order_closed", "WeChat Pay closed this order.") from exc
        if exc.retryable:
            raise ServiceUnavailable("wechat_pay_unavailable", "WeChat Pay is unavailable; retry.") from exc
        raise Conflict("wechat_pay_refused", f"WeChat Pay refused the payment ({exc.code}).") from exc
    moment = now()
    Prepay(*Prepay.key(order.shop_id, order.order_id), order_id=order.order_id, prepay_id=prepay_id,
           amount_fen=int(order.payable_fen), created_at=moment,
           reuse_until=min(moment + PREPAY_VALID_SECONDS - REUSE_MARGIN_SECONDS, int(order.pay_deadline_at)),
           expires_at_ttl=moment + PREPAY_VALID_SECONDS).save()
    business_event("PrepayCreated", shop_id=order.shop_id, order_id=order.order_id)
    return prepay_id


def jsapi_prepay(order: Order) -> Dict[str, str]:
    """Pay parameters for a pending order before its deadline; 409 otherwise (the order says why)."""
    if order.status != states.PENDING_PAYMENT:
        raise Conflict("order_not_payable", f"The order is {order.status}; only a pending order can be paid.")
    if now() >= int(order.pay_deadline_at):
        raise Conflict("payment_deadline_passed", "The time to pay for this order has passed.")
    if int(order.payable_fen) <= 0:
        raise Conflict("nothing_to_pay", "This order has nothing to pay.")
    prepay_id = _prepay_id(order)
    return jsapi_params(merchant_config(order.shop_id), prepay_id)
