"""A shop's WeChat Pay merchant account: appid/mchid (Shop.wechat), keys (WechatPayProfile), secrets (store).

`merchant_config(shop_id)` assembles and caches it for 5 minutes per process; an unknown
Wechatpay-Serial forces one fresh read, so a merchant's new key works before the cache expires.
In sandbox mode a shop without a profile gets a generated sandbox account on first use.
"""
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.shops import Shop
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.errors import Conflict, Unprocessable, not_found
from crowdcart.payments import crypto
from crowdcart.payments.models import PayKeyIndex, WechatPayProfile, serial_partition
from crowdcart.payments.secrets import merchant_secret_name, store
from crowdcart.settings import get_settings

CACHE_SECONDS = 300
PUBLIC_KEY_PREFIX = "PUB_KEY_ID_"


@dataclass(frozen=True)
class MerchantConfig:
    """Everything needed to call WeChat Pay for one shop and to verify what it sends us."""

    shop_id: str
    mchid: str
    appid: str
    merchant_serial_no: str
    private_key_pem: str = field(repr=False)
    apiv3_key: str = field(repr=False)
    public_keys: Dict[str, str] = field(default_factory=dict)
    certificates: Dict[str, str] = field(default_factory=dict)

    def verification_key(self, serial: str) -> Any:
        """The platform public key named by a Wechatpay-Serial (PUB_KEY_ID_… or certificate serial), or None."""
        if serial in self.public_keys:
            return crypto.public_key(self.public_keys[serial])
        wanted = normalize_serial(serial)
        for known, pem in self.certificates.items():
            if normalize_serial(known) == wanted:
                cert = crypto.certificate(pem)
                moment = datetime.now(timezone.utc)
                if cert is None or not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
                    return None
                return cert.public_key()
        return None

    def client_public_key(self) -> tuple:
        """(id, PEM) of the newest WeChat Pay public key, for the wechatpayv3 client's public-key mode."""
        if not self.public_keys:
            raise Conflict("wechat_pay_not_configured", "Add the WeChat Pay public key (PUB_KEY_ID_…) first.")
        key_id = list(self.public_keys)[-1]
        return key_id, self.public_keys[key_id]


def normalize_serial(serial: str) -> str:
    """A Wechatpay-Serial as indexed: PUB_KEY_ID_… unchanged, certificate serials upper-case hex without leading zeros."""
    if serial.startswith(PUBLIC_KEY_PREFIX):
        return serial
    return serial.upper().lstrip("0") or "0"


_cache: Dict[str, tuple] = {}
_lock = threading.Lock()


def is_sandbox() -> bool:
    """True when payments go to the local sandbox instead of WeChat."""
    return get_settings().wechat_mode == "sandbox"


def _shop(shop_id: str) -> Shop:
    try:
        return Shop.get(*Shop.key(shop_id))
    except DoesNotExist as exc:
        raise not_found("shop", shop_id) from exc


def _profile(shop_id: str) -> Optional[WechatPayProfile]:
    try:
        return WechatPayProfile.get(*WechatPayProfile.key(shop_id), consistent_read=True)
    except DoesNotExist:
        return None


def merchant_config(shop_id: str, fresh: bool = False) -> MerchantConfig:
    """The shop's merchant config (cached 5 min); 404 for an unknown shop, 409 when not configured."""
    if not fresh:
        with _lock:
            hit = _cache.get(shop_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
    shop = _shop(shop_id)
    profile = _profile(shop_id)
    if profile is None and is_sandbox():
        from crowdcart.payments import sandbox  # the sandbox provisions a local account on first use

        profile = sandbox.provision(shop_id)
    secret = store().get(merchant_secret_name(shop_id)) if profile else None
    wechat = shop.wechat or {}
    mchid = wechat.get("mchid") or (profile.sandbox_mchid if profile else None)
    appid = wechat.get("appid") or (profile.sandbox_appid if profile else None)
    if not (profile and secret and mchid and appid):
        raise Conflict("wechat_pay_not_configured", "This shop's WeChat Pay merchant account is not set up yet.")
    config = MerchantConfig(shop_id=shop_id, mchid=mchid, appid=appid,
                            merchant_serial_no=profile.merchant_serial_no, private_key_pem=secret["private_key"],
                            apiv3_key=secret["apiv3_key"], public_keys=dict(profile.public_keys or {}),
                            certificates=dict(profile.certificates or {}))
    with _lock:
        _cache[shop_id] = (time.monotonic() + CACHE_SECONDS, config)
    return config


def forget(shop_id: str) -> None:
    """Drop a cached config (after the merchant changed it)."""
    with _lock:
        _cache.pop(shop_id, None)


def shops_for_serial(serial: str, limit: int = 10) -> List[str]:
    """Shops that registered this Wechatpay-Serial (GSI1 `WXPAY#SERIAL#<serial>`), for the bare webhook URL."""
    partition = serial_partition(normalize_serial(serial))
    return [entry.shop_id for entry in PayKeyIndex.gsi1.query(partition, limit=limit)]


def notify_url(shop_id: str) -> str:
    """The notify_url we give WeChat: our public base URL + /webhooks/wechatpay/<shop_id> (no query string)."""
    base = os.environ.get("CROWDCART_PUBLIC_BASE_URL", "").rstrip("/")
    if not base:
        if not get_settings().is_local:
            raise RuntimeError("CROWDCART_PUBLIC_BASE_URL must be set to the API's public https URL")
        base = f"http://127.0.0.1:{os.environ.get('CROWDCART_PORT', '8000')}"
    return f"{base}/webhooks/wechatpay/{shop_id}"


def _validated(public_keys: Dict[str, str], certificates: Dict[str, str]) -> Dict[str, Dict[str, str]]:
    for key_id, pem in public_keys.items():
        if not key_id.startswith(PUBLIC_KEY_PREFIX):
            raise Unprocessable("validation_error", f"public_keys: ids start with {PUBLIC_KEY_PREFIX}",
                                field="public_keys")
        try:
            crypto.public_key(pem)
        except Exception as exc:  # wechatpayv3 raises a bare Exception for an unreadable key
            raise Unprocessable("validation_error", f"public_keys.{key_id}: not a PEM public key",
                                field="public_keys") from exc
    certs = {}
    for serial, pem in certificates.items():
        cert = crypto.certificate(pem)
        if cert is None:
            raise Unprocessable("validation_error", f"certificates.{serial}: not a PEM certificate",
                                field="certificates")
        if crypto.certificate_serial(cert) != normalize_serial(serial):
            raise Unprocessable("validation_error", f"certificates.{serial}: serial does not match the certificate",
                                field="certificates")
        certs[crypto.certificate_serial(cert)] = pem
    return {"public_keys": dict(public_keys), "certificates": certs}


def save_profile(shop_id: str, merchant_serial_no: str, public_keys: Dict[str, str],
                 certificates: Dict[str, str], sandbox_ids: Optional[Dict[str, str]] = None) -> WechatPayProfile:
    """Replace the shop's keys and re-index their serials, in one transaction guarded against a concurrent edit."""
    if not public_keys and not certificates:
        raise Unprocessable("validation_error", "public_keys: give at least one key or certificate",
                            field="public_keys")
    keys = _validated(public_keys, certificates)
    old = _profile(shop_id)
    profile = WechatPayProfile(*WechatPayProfile.key(shop_id), shop_id=shop_id, merchant_serial_no=merchant_serial_no,
                               public_keys=keys["public_keys"], certificates=keys["certificates"],
                               sandbox_mchid=(sandbox_ids or {}).get("mchid") or (old.sandbox_mchid if old else None),
                               sandbox_appid=(sandbox_ids or {}).get("appid") or (old.sandbox_appid if old else None),
                               updated_at=now())
    serials = set(keys["public_keys"]) | set(keys["certificates"])
    stale = (set(old.public_keys or {}) | set(old.certificates or {})) - serials if old else set()

    def build() -> Transaction:
        tx = Transaction()
        guard = (WechatPayProfile.PK.does_not_exist() if old is None
                 else WechatPayProfile.updated_at == old.updated_at)
        tx.put("profile", profile, guard)
        for serial in sorted(serials):
            tx.put(f"key:{serial}", PayKeyIndex.new(shop_id, serial))
        for serial in sorted(stale):
            tx.delete(f"stale:{serial}", PayKeyIndex(*PayKeyIndex.key(shop_id, serial)))
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        raise Conflict("concurrent_update", "The WeChat Pay settings changed meanwhile; retry.") from exc
    forget(shop_id)
    return profile


def profile_view(shop_id: str) -> Dict[str, Any]:
    """What the merchant sees: ids, serials, whether secrets are present, and the notify_url to expect."""
    profile = _profile(shop_id)
    wechat = _shop(shop_id).wechat or {}
    return {
        "mode": get_settings().wechat_mode,
        "appid": wechat.get("appid") or (profile.sandbox_appid if profile else None),
        "mchid": wechat.get("mchid") or (profile.sandbox_mchid if profile else None),
        "merchant_serial_no": profile.merchant_serial_no if profile else None,
        "public_key_ids": list((profile.public_keys or {}) if profile else {}),
        "certificate_serials": list((profile.certificates or {}) if profile else {}),
        "secrets_configured": store().get(merchant_secret_name(shop_id)) is not None,
        "notify_url": notify_url(shop_id),
    }
