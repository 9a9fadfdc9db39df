"""Talking to WeChat Pay: the wechatpayv3 client per shop, JSAPI pay parameters, and the gateway
(live: wechatpayv3 HTTP calls; sandbox: the local simulator) behind one interface."""
import json
import os
import tempfile
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, Optional, Protocol

from wechatpayv3 import WeChatPay, WeChatPayType

from crowdcart.clock import now
from crowdcart.db.models.orders import Order, Refund
from crowdcart.payments import crypto
from crowdcart.payments.config import MerchantConfig, is_sandbox

CHINA = timezone(timedelta(hours=8))
TIMEOUT = (2, 5)  # connect, read seconds: a webhook must answer within ~3 s
RETRYABLE_CODES = {"SYSTEM_ERROR", "FREQUENCY_LIMITED", "NOT_ENOUGH", "SYSTEMERROR", "BIZERR_NEED_RETRY"}


class GatewayError(Exception):
    """WeChat Pay refused or could not be reached; `retryable` says whether asking again may work."""

    def __init__(self, code: str, message: str, retryable: bool) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.retryable = retryable


class PayGateway(Protocol):
    """The two WeChat Pay calls we make."""

    def prepay(self, config: MerchantConfig, order: Order, openid: str, notify_url: str) -> str:
        """Create a JSAPI (mini-program) transaction; return its prepay_id."""

    def refund(self, config: MerchantConfig, order: Order, refund: Refund, notify_url: str) -> Dict[str, Any]:
        """Ask for a refund with refund.out_refund_no (idempotent at WeChat); return WeChat's answer."""


_clients: Dict[tuple, WeChatPay] = {}
_clients_lock = threading.Lock()


def client(config: MerchantConfig) -> WeChatPay:
    """The wechatpayv3 client of a shop (cached per key set). Public-key mode when a PUB_KEY_ID_ key is
    configured; otherwise certificate mode with the configured certificates written to a cert_dir, so the
    constructor never has to download them."""
    ident = (config.shop_id, config.mchid, config.appid, config.merchant_serial_no,
             tuple(config.public_keys), tuple(config.certificates), hash(config.private_key_pem))
    with _clients_lock:
        found = _clients.get(ident)
    if found:
        return found
    options: Dict[str, Any] = {}
    if config.public_keys:
        key_id, pem = config.client_public_key()
        options.update(public_key=pem, public_key_id=key_id)
    else:
        cert_dir = tempfile.mkdtemp(prefix=f"wxpay-{config.shop_id}-")
        for serial, pem in config.certificates.items():
            with open(os.path.join(cert_dir, f"{serial}.pem"), "w", encoding="utf-8") as handle:
                handle.write(pem)
        options.update(cert_dir=cert_dir)
    made = WeChatPay(wechatpay_type=WeChatPayType.MINIPROG, mchid=config.mchid, private_key=config.private_key_pem,
                     cert_serial_no=config.merchant_serial_no, appid=config.appid, apiv3_key=config.apiv3_key,
                     timeout=TIMEOUT, **options)
    with _clients_lock:
        _clients[ident] = made
    return made


def jsapi_params(config: MerchantConfig, prepay_id: str) -> Dict[str, str]:
    """What wx.requestPayment needs, paySign = RSA over `appId\\ntimeStamp\\nnonceStr\\npackage\\n` (merchant key)."""
    timestamp, nonce_str, package = str(now()), crypto.nonce(32), f"prepay_id={prepay_id}"
    pay_sign = client(config).sign([config.appid, timestamp, nonce_str, package])
    return {"appId": config.appid, "timeStamp": timestamp, "nonceStr": nonce_str, "package": package,
            "signType": "RSA", "paySign": pay_sign}


def rfc3339(epoch: int) -> str:
    """Epoch seconds as WeChat's time format (China time with offset)."""
    return datetime.fromtimestamp(epoch, tz=CHINA).isoformat(timespec="seconds")


def epoch_of(text: Optional[str]) -> Optional[int]:
    """Parse WeChat's RFC 3339 time; None when absent or malformed."""
    try:
        return int(datetime.fromisoformat(text).timestamp()) if text else None
    except (TypeError, ValueError):
        return None


def description(order: Order) -> str:
    """The goods description WeChat shows the payer (≤ 127 bytes)."""
    lines = order.lines or []
    title = str((lines[0].get("title") if lines else None) or "Order")
    text = title if len(lines) <= 1 else f"{title} +{len(lines) - 1}"
    return text.encode()[:127].decode(errors="ignore") or "Order"


def _answer(code: int, message: Any) -> Dict[str, Any]:
    try:
        data = json.loads(message) if message else {}
    except (TypeError, ValueError):
        data = {}
    if 200 <= code < 300:
        return data
    err = str(data.get("code") or f"HTTP_{code}")
    raise GatewayError(err, str(data.get("message") or "WeChat Pay refused the request"),
                       retryable=code >= 500 or code == 429 or err in RETRYABLE_CODES)


def _call(operation: Any, **kwargs: Any) -> Dict[str, Any]:
    try:
        code, message = operation(**kwargs)
    except GatewayError:
        raise
    except Exception as exc:  # network errors, and wechatpayv3's bare Exception for an unverifiable response
        raise GatewayError("UNREACHABLE", str(exc) or type(exc).__name__, retryable=True) from exc
    return _answer(code, message)


class LiveGateway:
    """The real WeChat Pay API through wechatpayv3."""

    def prepay(self, config: MerchantConfig, order: Order, openid: str, notify_url: str) -> str:
        """POST /v3/pay/transactions/jsapi; WeChat stops accepting payment at the order's pay deadline."""
        data = _call(client(config).pay, description=description(order), out_trade_no=order.order_id,
                     amount={"total": int(order.payable_fen), "currency": "CNY"}, payer={"openid": openid},
                     time_expire=rfc3339(int(order.pay_deadline_at)), notify_url=notify_url,
                     pay_type=WeChatPayType.MINIPROG)
        if not data.get("prepay_id"):
            raise GatewayError("NO_PREPAY_ID", "WeChat Pay answered without a prepay_id", retryable=True)
        return data["prepay_id"]

    def refund(self, config: MerchantConfig, order: Order, refund: Refund, notify_url: str) -> Dict[str, Any]:
        """POST /v3/refund/domestic/refunds with our deterministic out_refund_no."""
        return _call(client(config).refund, out_refund_no=refund.out_refund_no,
                     amount={"refund": int(refund.amount_fen), "total": int(order.payable_fen), "currency": "CNY"},
                     transaction_id=order.transaction_id, out_trade_no=order.order_id,
                     reason=(refund.reason or "")[:80] or None, notify_url=notify_url)


_override: Optional[PayGateway] = None


def gateway() -> PayGateway:
    """The gateway for this deployment: the sandbox simulator in sandbox mode, WeChat otherwise."""
    if _override is not None:
        return _override
    if is_sandbox():
        from crowdcart.payments.sandbox import SandboxGateway

        return SandboxGateway()
    return LiveGateway()


@contextmanager
def using(replacement: PayGateway) -> Iterator[PayGateway]:
    """Use another gateway inside the block (tests)."""
    global _override
    previous, _override = _override, replacement
    try:
        yield replacement
    finally:
        _override = previous
