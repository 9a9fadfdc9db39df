"""Opaque, signed list cursors bound to one shop, and capped page sizes."""
import base64
import hashlib
import hmac
import json
from typing import Any, Dict, Optional

from crowdcart.errors import BadRequest
from crowdcart.settings import get_settings

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def _mac(shop_id: str, payload: bytes) -> str:
    key = (get_settings().jwt_secret or "cursor").encode()
    return hmac.new(key, shop_id.encode() + b"\x00" + payload, hashlib.sha256).hexdigest()[:32]


def encode_cursor(shop_id: str, last_key: Optional[Dict[str, Any]]) -> Optional[str]:
    """Turn a LastEvaluatedKey into an opaque cursor (None when the list is done)."""
    if not last_key:
        return None
    payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True).encode()
    blob = json.dumps({"k": payload.decode(), "m": _mac(shop_id, payload)}).encode()
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def decode_cursor(shop_id: str, cursor: Optional[str]) -> Optional[Dict[str, Any]]:
    """Verify and unpack a cursor made by encode_cursor for this shop; 400 otherwise."""
    if not cursor:
        return None
    try:
        blob = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        payload = blob["k"].encode()
        if not hmac.compare_digest(blob["m"], _mac(shop_id, payload)):
            raise ValueError("bad mac")
        return json.loads(payload)
    except (ValueError, KeyError, TypeError) as exc:
        raise BadRequest("invalid_cursor", "cursor is not one this API returned.") from exc


def clamp_limit(raw: Optional[str]) -> int:
    """Parse `limit`, defaulting to 20 and capping at 100; 400 when not a positive integer."""
    if raw in (None, ""):
        return DEFAULT_LIMIT
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise BadRequest("invalid_limit", "limit must be a positive integer.", field="limit") from exc
    if value < 1:
        raise BadRequest("invalid_limit", "limit must be a positive integer.", field="limit")
    return min(value, MAX_LIMIT)
