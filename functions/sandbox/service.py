"""The sandbox's pay and refund-result simulations (refused outside local sandbox mode)."""
from typing import Any, Dict

from crowdcart.db.orders import get_order, get_shopper_order
from crowdcart.errors import NotFound
from crowdcart.payments import sandbox
from crowdcart.settings import get_settings


def _require_sandbox() -> None:
    settings = get_settings()
    if not (settings.is_local and settings.wechat_mode == "sandbox"):
        raise NotFound("route_not_found", "The WeChat Pay sandbox exists only in local mode.")


def pay(shop_id: str, user_id: str, order_id: str, amount_fen: Any, key: str) -> Dict[str, Any]:
    """WeChat pays the shopper's order: a signed TRANSACTION.SUCCESS goes to our webhook; returns what happened."""
    _require_sandbox()
    return sandbox.pay_order(get_shopper_order(shop_id, user_id, order_id), amount_fen, key)


def notify_refund(shop_id: str, order_id: str, out_refund_no: str, status: str) -> Dict[str, Any]:
    """WeChat reports a refund's result: a signed REFUND.<status> goes to our webhook; returns what happened."""
    _require_sandbox()
    return sandbox.notify_refund(get_order(shop_id, order_id), out_refund_no, status)
