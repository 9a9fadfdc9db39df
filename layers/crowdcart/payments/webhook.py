"""Receiving WeChat Pay v3 notifications: verify exactly as WeChat signs, decrypt, then apply.

Order of checks: SIGNTEST probe → headers → signature type → timestamp within 5 minutes →
the key named by Wechatpay-Serial (PUB_KEY_ID_… or certificate serial) of the shop the URL
names, or of each shop that registered that serial (bare URL) → RSA over the raw body →
AEAD_AES_256_GCM with that shop's APIv3 key → `results.apply` (amount and order compared,
conditional transition, notification-id marker). Anything off raises WebhookRejected.
"""
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from crowdcart.clock import now
from crowdcart.errors import Conflict, NotFound
from crowdcart.ids import is_id
from crowdcart.observability import business_event, logger
from crowdcart.payments import crypto
from crowdcart.payments.config import MerchantConfig, merchant_config, shops_for_serial

MAX_SKEW_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"


class WebhookRejected(Exception):
    """The notification is refused: answer `status` with {"code": "FAIL", "message": message}."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message

    def to_body(self) -> Dict[str, str]:
        """WeChat's failure body."""
        return {"code": "FAIL", "message": self.message}


@dataclass(frozen=True)
class Notification:
    """A verified, decrypted notification and the shop whose keys verified it."""

    config: MerchantConfig
    id: str
    event_type: str
    resource: Dict[str, Any]

    @property
    def shop_id(self) -> str:
        """The shop it belongs to."""
        return self.config.shop_id


def _headers(raw: Mapping[str, str]) -> Dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (raw or {}).items()}


def _checked_envelope(headers: Dict[str, str], raw_body: bytes) -> Dict[str, str]:
    signature = headers.get("wechatpay-signature", "")
    if signature.startswith(PROBE_PREFIX):
        business_event("WechatPaySignProbeRejected")
        raise WebhookRejected(401, "signature_probe", "signature verification failed")
    needed = {name: headers.get(f"wechatpay-{name}", "") for name in ("signature", "timestamp", "nonce", "serial")}
    missing = [name for name, value in needed.items() if not value]
    if missing:
        raise WebhookRejected(400, "missing_headers", f"missing Wechatpay-{missing[0].capitalize()} header")
    kind = headers.get("wechatpay-signature-type")
    if kind and kind != crypto.SIGNATURE_TYPE:
        raise WebhookRejected(400, "signature_type", f"unsupported signature type {kind[:40]}")
    try:
        moment = int(needed["timestamp"])
    except ValueError as exc:
        raise WebhookRejected(400, "bad_timestamp", "Wechatpay-Timestamp is not an integer") from exc
    if abs(now() - moment) > MAX_SKEW_SECONDS:
        raise WebhookRejected(401, "stale_timestamp", "timestamp outside the 5-minute window")
    if len(raw_body) > MAX_BODY_BYTES:
        raise WebhookRejected(413, "too_large", "body too large")
    return needed


def _configs(shop_id: Optional[str], serial: str) -> List[MerchantConfig]:
    ids = [shop_id] if shop_id else shops_for_serial(serial)
    configs = []
    for candidate in ids:
        if not is_id(candidate):
            continue
        try:
            configs.append(merchant_config(candidate))
        except (NotFound, Conflict):
            continue
    if not configs:
        raise WebhookRejected(404, "unknown_receiver", "no WeChat Pay account here for this notification")
    return configs


def _key(config: MerchantConfig, serial: str) -> Any:
    key = config.verification_key(serial)
    if key is None:  # maybe a key the merchant added after we cached the config
        key = merchant_config(config.shop_id, fresh=True).verification_key(serial)
    return key


def _decrypted(config: MerchantConfig, body: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    resource = body.get("resource")
    if body.get("resource_type") != "encrypt-resource" or not isinstance(resource, dict):
        raise WebhookRejected(400, "bad_resource", "resource is not an encrypt-resource")
    if resource.get("algorithm") != "AEAD_AES_256_GCM":
        raise WebhookRejected(400, "bad_algorithm", "resource algorithm is not AEAD_AES_256_GCM")
    if not isinstance(resource.get("nonce"), str) or not isinstance(resource.get("ciphertext"), str):
        raise WebhookRejected(400, "bad_resource", "resource nonce/ciphertext missing")
    plain = crypto.decrypt(resource["nonce"], resource["ciphertext"], str(resource.get("associated_data") or ""),
                           config.apiv3_key)
    if plain is None:
        return None
    try:
        data = json.loads(plain)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def verify(headers: Mapping[str, str], raw_body: bytes, shop_id: Optional[str] = None) -> Notification:
    """Check a notification as WeChat signs it and decrypt it; WebhookRejected otherwise.

    `shop_id` comes from the per-shop notify_url path; without it the shops that registered the
    Wechatpay-Serial are tried (the body is accepted only by one whose keys verify and decrypt it).
    """
    found = _headers(headers)
    envelope = _checked_envelope(found, raw_body)
    try:
        text = raw_body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookRejected(400, "bad_body", "body is not UTF-8") from exc
    verified = False
    for config in _configs(shop_id, envelope["serial"]):
        key = _key(config, envelope["serial"])
        if key is None or not crypto.verify(envelope["timestamp"], envelope["nonce"], text, envelope["signature"], key):
            continue
        verified = True
        try:
            body = json.loads(text)
        except ValueError as exc:
            raise WebhookRejected(400, "bad_body", "body is not JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body.get("event_type"):
            raise WebhookRejected(400, "bad_body", "body lacks id or event_type")
        resource = _decrypted(config, body)
        if resource is not None:
            return Notification(config=config, id=body["id"], event_type=str(body["event_type"]), resource=resource)
    if verified:
        business_event("WechatPayDecryptFailed", serial=envelope["serial"])
        raise WebhookRejected(400, "decrypt_failed", "resource could not be decrypted")
    business_event("WechatPaySignatureRejected", serial=envelope["serial"])
    raise WebhookRejected(401, "bad_signature", "signature verification failed")


def receive(headers: Mapping[str, str], raw_body: bytes, shop_id: Optional[str] = None) -> str:
    """Verify, decrypt and apply one notification; returns what happened (e.g. `paid`, `duplicate`)."""
    from crowdcart.payments import results

    notification = verify(headers, raw_body, shop_id)
    outcome = results.apply(notification)
    logger.info("wechatpay notification", extra={"shop_id": notification.shop_id, "notification_id": notification.id,
                                                 "event_type": notification.event_type, "outcome": outcome})
    return outcome
