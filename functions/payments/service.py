"""Payments: pay an order, receive WeChat Pay notifications, manage the shop's WeChat Pay keys."""
from typing import Any, Dict, Mapping, Optional, Tuple

from crowdcart.clock import iso
from crowdcart.db.orders import get_order, get_shopper_order
from crowdcart.errors import CrowdcartError
from crowdcart.observability import logger
from crowdcart.payments import config, prepay, refunds, webhook


def pay(shop_id: str, user_id: str, order_id: str) -> Dict[str, Any]:
    """wx.requestPayment parameters for the shopper's own pending order."""
    return {"prepay": prepay.jsapi_prepay(get_shopper_order(shop_id, user_id, order_id))}


def receive_notification(headers: Mapping[str, str], raw_body: Optional[bytes],
                         shop_id: Optional[str]) -> Tuple[int, Optional[Dict[str, str]]]:
    """(status, body) for WeChat: 204 and no body when applied (or a duplicate), else 4xx/5xx with FAIL."""
    try:
        webhook.receive(headers, raw_body or b"", shop_id)
        return 204, None
    except webhook.WebhookRejected as exc:
        logger.warning("wechatpay notification rejected", extra={"reason": exc.reason, "shop_id": shop_id})
        return exc.status, exc.to_body()
    except CrowdcartError as exc:
        status = exc.status if exc.status >= 500 else 500
        return status, {"code": "FAIL", "message": exc.message}
    except Exception:  # a bug: WeChat will retry, and the stack is logged
        logger.exception("wechatpay notification failed", extra={"shop_id": shop_id})
        return 500, {"code": "FAIL", "message": "internal error"}


def pay_keys(shop_id: str) -> Dict[str, Any]:
    """The shop's WeChat Pay setup as the merchant sees it (no secrets)."""
    return config.profile_view(shop_id)


def set_pay_keys(shop_id: str, body: Any) -> Dict[str, Any]:
    """Replace the shop's merchant serial and platform keys."""
    config.save_profile(shop_id, body.merchant_serial_no.upper(), {k.id: k.pem for k in body.public_keys},
                        {c.serial.upper(): c.pem for c in body.certificates})
    return config.profile_view(shop_id)


def order_refunds(shop_id: str, order_id: str) -> Dict[str, Any]:
    """The refunds of one of the shop's orders (status, attempts, last error)."""
    order = get_order(shop_id, order_id)
    return {"items": [{"out_refund_no": r.out_refund_no, "amount_fen": int(r.amount_fen), "reason": r.reason,
                       "status": r.status, "attempts": int(r.attempts or 0), "last_error": r.last_error,
                       "lines": r.lines, "restock": r.restock, "created_at": iso(int(r.created_at)),
                       "updated_at": iso(int(r.updated_at))}
                      for r in refunds.refunds_of(shop_id, order.order_id)], "next_cursor": None}
