"""Parse what a request carries: credentials, JSON bodies (pydantic), query values.

Works on any object with `headers`, `raw_body` and `query_params` (Chalice's Request).
"""
import json
from typing import Any, Mapping, Optional, Type, TypeVar

from pydantic import BaseModel, ValidationError

from crowdcart.auth.apikeys import PREFIX, merchant_from_key, platform_from_key
from crowdcart.auth.principals import Merchant, Platform, Shopper
from crowdcart.auth.tokens import verify_token
from crowdcart.errors import BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unprocessable
from crowdcart.pagination import clamp_limit
from crowdcart.settings import get_settings

M = TypeVar("M", bound=BaseModel)


def _bearer(request: Any) -> str:
    header = (request.headers or {}).get("authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise Unauthorized("missing_credentials", "Send `Authorization: Bearer <token>`.")
    return value.strip()


def shopper(request: Any) -> Shopper:
    """The shopper behind a Bearer JWT; 403 when a merchant key is presented instead."""
    token = _bearer(request)
    if token.startswith(PREFIX):
        raise Forbidden("shopper_only", "This endpoint is for shoppers, not merchant keys.")
    return verify_token(token)


def merchant(request: Any, write: bool = False) -> Merchant:
    """The merchant behind a staff key; `write=True` refuses viewer keys (403)."""
    token = _bearer(request)
    if not token.startswith(PREFIX):
        raise Forbidden("merchant_only", "This endpoint needs a merchant API key.")
    principal = merchant_from_key(token)
    return principal.require_write() if write else principal


def platform(request: Any) -> Platform:
    """The platform operator behind the platform key."""
    return platform_from_key(_bearer(request))


def _field_path(loc: tuple) -> str:
    return ".".join(str(part) for part in loc) or "body"


def body(request: Any, model: Type[M]) -> M:
    """Parse and validate the JSON body; 413 when too large, 400 when not JSON, 422 naming the field."""
    raw = request.raw_body or b""
    if len(raw) > get_settings().max_body_bytes:
        raise PayloadTooLarge("payload_too_large", f"The body must be at most {get_settings().max_body_bytes} bytes.")
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("malformed_json", "The body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise Unprocessable("validation_error", "body: must be a JSON object.", field="body")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field_path(first["loc"])
        raise Unprocessable("validation_error", f"{field}: {first['msg']}", field=field) from exc


def query(request: Any) -> Mapping[str, str]:
    """The query string as a plain mapping (empty when absent)."""
    return request.query_params or {}


def limit(request: Any) -> int:
    """The capped `limit` query value."""
    return clamp_limit(query(request).get("limit"))


def cursor(request: Any) -> Optional[str]:
    """The `cursor` query value, if any."""
    return query(request).get("cursor") or None


def header(request: Any, name: str) -> Optional[str]:
    """A request header (case-insensitive)."""
    return (request.headers or {}).get(name.lower())


def source_ip(request: Any) -> Optional[str]:
    """The caller's IP as API Gateway saw it (requestContext.identity.sourceIp), if any."""
    context = getattr(request, "context", None) or {}
    return (context.get("identity") or {}).get("sourceIp") or None
