"""Merchant staff keys (`mk_<shop>_<secret>`, stored hashed) and the platform key check."""
import hashlib
import hmac
import secrets
from typing import Tuple

from pynamodb.exceptions import DoesNotExist

from crowdcart.auth.principals import ROLES, Merchant, Platform
from crowdcart.db.models.shops import StaffKey
from crowdcart.errors import Forbidden, Unauthorized
from crowdcart.ids import is_id, new_id
from crowdcart.settings import get_settings

PREFIX = "mk_"


def sha256(text: str) -> str:
    """Hex SHA-256 of a string."""
    return hashlib.sha256(text.encode()).hexdigest()


def new_staff_key(shop_id: str, role: str, created_at: int, label: str = "") -> Tuple[str, StaffKey]:
    """A fresh random key for this shop and the record that stores only its hash."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role}")
    plain = f"{PREFIX}{shop_id}_{secrets.token_urlsafe(32)}"
    pk, sk = StaffKey.key(shop_id, sha256(plain))
    record = StaffKey(pk, sk, shop_id=shop_id, key_id=new_id(), role=role, label=label, created_at=created_at)
    return plain, record


def merchant_from_key(plain: str) -> Merchant:
    """Resolve a presented staff key to its merchant principal; 401 when unknown or revoked."""
    parts = plain[len(PREFIX):].split("_", 1) if plain.startswith(PREFIX) else []
    if len(parts) != 2 or not is_id(parts[0]):
        raise Unauthorized("invalid_api_key", "The merchant API key is not valid.")
    shop_id = parts[0]
    try:
        record = StaffKey.get(*StaffKey.key(shop_id, sha256(plain)))
    except DoesNotExist as exc:
        raise Unauthorized("invalid_api_key", "The merchant API key is not valid.") from exc
    if record.revoked:
        raise Unauthorized("revoked_api_key", "This merchant API key was revoked.")
    return Merchant(shop_id=record.shop_id, key_id=record.key_id, role=record.role)


def platform_from_key(plain: str) -> Platform:
    """Check the platform operator's key against the configured hash; 403 otherwise."""
    expected = get_settings().platform_key_sha256
    if not expected or not hmac.compare_digest(sha256(plain), expected):
        raise Forbidden("platform_only", "This call needs the platform key.")
    return Platform()
