"""The local WeChat Pay sandbox: plays WeChat's side with locally generated keys (local mode only).

- `provision(shop_id)`: a sandbox merchant account for a shop on first use — mchid/appid, an APIv3
  key, the merchant key, and the platform's verification keys (a `PUB_KEY_ID_…` public key and a
  certificate, so both Wechatpay-Serial forms are exercised). The RSA keys are generated once per
  data dir (or per process in memory) and shared by the shops; ids, serials and APIv3 keys are per shop.
- `SandboxGateway`: a locally minted prepay_id; refunds are accepted and answered with a signed
  REFUND.<outcome> notification delivered to our webhook (through the real verification path).
- `signed_notification`: a notification exactly as WeChat builds it (AES-256-GCM with the APIv3 key,
  SHA256-with-RSA over `timestamp\\nnonce\\nbody\\n`); `pay_order` / `notify_refund` deliver one.
"""
import hashlib
import json
import secrets
import threading
from datetime import datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.orders import Order, Refund
from crowdcart.db.models.shops import Shopper
from crowdcart.db.orders import get_order
from crowdcart.errors import Conflict, CrowdcartError, not_found
from crowdcart.ids import derived_id
from crowdcart.payments import crypto
from crowdcart.payments.config import MerchantConfig, merchant_config, save_profile
from crowdcart.payments.gateway import CHINA, GatewayError, rfc3339
from crowdcart.payments.models import WechatPayProfile
from crowdcart.payments.secrets import merchant_secret_name, store

PLATFORM_SECRET = "sandbox/platform"
SUMMARIES = {"TRANSACTION.SUCCESS": "支付成功", "REFUND.SUCCESS": "退款成功", "REFUND.ABNORMAL": "退款异常",
             "REFUND.CLOSED": "退款关闭"}
OUTCOMES = ("SUCCESS", "ABNORMAL", "CLOSED")


class Controls:
    """How the simulator answers refund calls: the outcome it notifies (None: notify nothing) and
    how many of the next calls fail as an outage. Every call's out_refund_no is recorded."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.refund_outcome: Optional[str] = "SUCCESS"
        self.failing_refund_calls = 0
        self.refund_calls: List[str] = []

    def record_call(self, out_refund_no: str) -> bool:
        """Record a refund call; True when it should fail."""
        with self._lock:
            self.refund_calls.append(out_refund_no)
            if self.failing_refund_calls > 0:
                self.failing_refund_calls -= 1
                return True
            return False

    def reset(self) -> None:
        """Back to the defaults."""
        with self._lock:
            self.refund_outcome, self.failing_refund_calls, self.refund_calls = "SUCCESS", 0, []


controls = Controls()
_platform_cache: Dict[int, Dict[str, str]] = {}


def platform_keys() -> Dict[str, str]:
    """The sandbox's RSA keys (merchant key, platform public-key-mode key, platform certificate key)."""
    current = store()
    cached = _platform_cache.get(id(current))
    if cached:
        return cached
    keys = current.get(PLATFORM_SECRET) or current.create(PLATFORM_SECRET, {
        "merchant_key": crypto.new_private_key_pem(), "public_key_mode_key": crypto.new_private_key_pem(),
        "certificate_key": crypto.new_private_key_pem()})
    _platform_cache[id(current)] = keys
    return keys


def _account(shop_id: str) -> Dict[str, str]:
    name = f"sandbox/shops/{shop_id}"
    found = store().get(name)
    if found:
        return found
    digest = hashlib.sha256(f"sandbox:{shop_id}".encode()).hexdigest()
    serial = int.from_bytes(secrets.token_bytes(16), "big") | (1 << 127)
    return store().create(name, {
        "mchid": "19" + str(int(digest[:16], 16))[-8:],
        "appid": "wx" + digest[16:32],
        "merchant_serial_no": digest[32:64].upper(),
        "public_key_id": "PUB_KEY_ID_01" + str(int(digest[:24], 16))[-30:],
        "certificate": crypto.self_signed_certificate(platform_keys()["certificate_key"], "Sandbox WeChat Pay", serial),
        "apiv3_key": crypto.nonce(32),
    })


def provision(shop_id: str) -> WechatPayProfile:
    """Create (once) the shop's sandbox merchant account: secrets in the store, keys in its profile."""
    keys, account = platform_keys(), _account(shop_id)
    store().create(merchant_secret_name(shop_id), {"apiv3_key": account["apiv3_key"], "private_key": keys["merchant_key"]})
    serial = crypto.certificate_serial(crypto.certificate(account["certificate"]))
    try:
        return save_profile(shop_id, account["merchant_serial_no"],
                            {account["public_key_id"]: crypto.public_pem_of(keys["public_key_mode_key"])},
                            {serial: account["certificate"]},
                            sandbox_ids={"mchid": account["mchid"], "appid": account["appid"]})
    except Conflict:  # provisioned by a concurrent first use
        try:
            return WechatPayProfile.get(*WechatPayProfile.key(shop_id), consistent_read=True)
        except DoesNotExist as exc:
            raise Conflict("busy", "The sandbox account is being created; retry.") from exc


def transaction_id_for(order: Order) -> str:
    """The sandbox's WeChat transaction id for an order (one out_trade_no is paid once)."""
    digits = str(int(hashlib.sha256(f"txn:{order.shop_id}:{order.order_id}".encode()).hexdigest(), 16))
    return "4200" + digits[:24]


def _openid(order: Order) -> str:
    try:
        return Shopper.get(*Shopper.key(order.shop_id, order.user_id)).openid
    except DoesNotExist:
        return ""


def transaction_resource(config: MerchantConfig, order: Order, amount_fen: Optional[int] = None) -> Dict[str, Any]:
    """The decrypted body of a TRANSACTION.SUCCESS notification for `order`."""
    total = int(order.payable_fen) if amount_fen is None else amount_fen
    return {"mchid": config.mchid, "appid": config.appid, "out_trade_no": order.order_id,
            "transaction_id": transaction_id_for(order), "trade_type": "JSAPI", "trade_state": "SUCCESS",
            "trade_state_desc": "支付成功", "bank_type": "OTHERS", "attach": "", "success_time": rfc3339(now()),
            "payer": {"openid": _openid(order)},
            "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"}}


def refund_resource(config: MerchantConfig, order: Order, refund: Refund, status: str = "SUCCESS",
                    amount_fen: Optional[int] = None) -> Dict[str, Any]:
    """The decrypted body of a REFUND.<status> notification."""
    amount = int(refund.amount_fen) if amount_fen is None else amount_fen
    body = {"mchid": config.mchid, "out_trade_no": order.order_id,
            "transaction_id": order.transaction_id or transaction_id_for(order),
            "out_refund_no": refund.out_refund_no, "refund_id": "50" + derived_id(refund.out_refund_no, length=28),
            "refund_status": status, "user_received_account": "支付用户零钱",
            "amount": {"total": int(order.payable_fen), "refund": amount, "payer_total": int(order.payable_fen),
                       "payer_refund": amount}}
    if status == "SUCCESS":
        body["success_time"] = rfc3339(now())
    return body


def notification_id(*parts: str) -> str:
    """A stable notification id (WeChat resends a notification with the same id)."""
    return "EV-" + derived_id("notification", *parts, length=22)


def signed_notification(config: MerchantConfig, event_type: str, resource: Dict[str, Any], *,
                        notification_id_: Optional[str] = None, key_kind: str = "public_key",
                        signing_key: Optional[str] = None, serial: Optional[str] = None,
                        timestamp: Optional[int] = None) -> Tuple[Dict[str, str], bytes]:
    """(headers, raw body) of a notification, encrypted and signed the way WeChat Pay does it.

    `key_kind` picks the platform key: `public_key` (Wechatpay-Serial = PUB_KEY_ID_…) or `certificate`.
    `signing_key`/`serial`/`timestamp` override what is used (tests forge with them).
    """
    kind = "transaction" if event_type.startswith("TRANSACTION") else "refund"
    plain = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    nonce_value, ciphertext = crypto.encrypt(plain, kind, config.apiv3_key)
    body = {"id": notification_id_ or notification_id(config.shop_id, event_type, plain),
            "create_time": datetime.fromtimestamp(now(), tz=CHINA).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource", "event_type": event_type, "summary": SUMMARIES.get(event_type, ""),
            "resource": {"original_type": kind, "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext,
                         "associated_data": kind, "nonce": nonce_value}}
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    keys = platform_keys()
    if key_kind == "certificate":
        default_key, default_serial = keys["certificate_key"], list(config.certificates)[-1]
    else:
        default_key, default_serial = keys["public_key_mode_key"], list(config.public_keys)[-1]
    moment, nonce_header = str(timestamp or now()), crypto.nonce(32)
    signature = crypto.sign(signing_key or default_key, f"{moment}\n{nonce_header}\n{raw}\n")
    headers = {"Wechatpay-Serial": serial or default_serial, "Wechatpay-Signature": signature,
               "Wechatpay-Timestamp": moment, "Wechatpay-Nonce": nonce_header,
               "Wechatpay-Signature-Type": crypto.SIGNATURE_TYPE, "Content-Type": "application/json"}
    return headers, raw.encode()


def deliver(shop_id: str, headers: Mapping[str, str], body: bytes) -> Dict[str, Any]:
    """Hand a notification to our webhook (in-process, same verification path); report its answer."""
    from crowdcart.payments.webhook import WebhookRejected, receive

    try:
        return {"status": 204, "outcome": receive(headers, body, shop_id)}
    except WebhookRejected as exc:
        return {"status": exc.status, "outcome": exc.reason, "message": exc.message}
    except CrowdcartError as exc:
        return {"status": exc.status if exc.status >= 500 else 500, "outcome": exc.code, "message": exc.message}


def _summary(shop_id: str, order_id: str) -> Dict[str, Any]:
    from crowdcart.payments.refunds import refunds_of

    order = get_order(shop_id, order_id, consistent=True)
    return {"id": order.order_id, "status": order.status, "transaction_id": order.transaction_id,
            "refunded_fen": int(order.refunded_fen or 0),
            "refunds": [{"out_refund_no": r.out_refund_no, "amount_fen": int(r.amount_fen), "status": r.status}
                        for r in refunds_of(shop_id, order_id)]}


def pay_order(order: Order, amount_fen: Optional[int] = None, key_kind: str = "public_key") -> Dict[str, Any]:
    """The shopper pays: WeChat's TRANSACTION.SUCCESS for this order, delivered to our webhook."""
    config = merchant_config(order.shop_id)
    resource = transaction_resource(config, order, amount_fen)
    headers, body = signed_notification(config, "TRANSACTION.SUCCESS", resource,
                                        notification_id_=notification_id(order.shop_id, resource["transaction_id"]),
                                        key_kind=key_kind)
    delivered = deliver(order.shop_id, headers, body)
    return {"notification": delivered, "transaction_id": resource["transaction_id"],
            "order": _summary(order.shop_id, order.order_id)}


def notify_refund(order: Order, out_refund_no: str, status: str = "SUCCESS", summary: bool = True) -> Dict[str, Any]:
    """WeChat's REFUND.<status> for one of the order's refunds, delivered to our webhook (and the order after)."""
    from crowdcart.payments.refunds import get_refund

    refund = get_refund(order.shop_id, order.order_id, out_refund_no)
    if refund is None:
        raise not_found("refund", out_refund_no)
    config = merchant_config(order.shop_id)
    headers, body = signed_notification(config, f"REFUND.{status}", refund_resource(config, order, refund, status),
                                        notification_id_=notification_id(order.shop_id, out_refund_no, status))
    delivered = deliver(order.shop_id, headers, body)
    return {"notification": delivered, "order": _summary(order.shop_id, order.order_id) if summary else None}


class SandboxGateway:
    """The simulator behind the gateway interface."""

    def prepay(self, config: MerchantConfig, order: Order, openid: str, notify_url: str) -> str:
        """A locally minted prepay_id shaped like WeChat's."""
        return "wx" + datetime.now(CHINA).strftime("%d%H%M%S") + secrets.token_hex(13)

    def refund(self, config: MerchantConfig, order: Order, refund: Refund, notify_url: str) -> Dict[str, Any]:
        """Accept the refund (or fail it, if told to) and deliver its notification."""
        if controls.record_call(refund.out_refund_no):
            raise GatewayError("SYSTEM_ERROR", "sandbox: simulated WeChat Pay outage", retryable=True)
        outcome = controls.refund_outcome
        if outcome:
            notify_refund(order, refund.out_refund_no, outcome, summary=False)
        return {"out_refund_no": refund.out_refund_no, "status": "PROCESSING"}
