"""Shopper session tokens: our own short-lived JWTs (HS256 pinned; iss, aud, exp checked)."""
import jwt

from crowdcart.auth.principals import Shopper
from crowdcart.clock import now
from crowdcart.errors import Unauthorized
from crowdcart.settings import get_settings

ALGORITHM = "HS256"


def _secret() -> str:
    secret = get_settings().jwt_secret
    if len(secret) < 32:
        raise RuntimeError("CROWDCART_JWT_SECRET must be set to at least 32 characters")
    return secret


def issue_token(shop_id: str, user_id: str) -> dict:
    """Mint a token for this shopper; returns {token, expires_at}."""
    settings = get_settings()
    issued = now()
    expires = issued + settings.jwt_ttl_seconds
    claims = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "sub": user_id,
              "shop": shop_id, "iat": issued, "exp": expires}
    return {"token": jwt.encode(claims, _secret(), algorithm=ALGORITHM), "expires_at": expires}


def verify_token(token: str) -> Shopper:
    """Check a shopper token and return who it names; 401 for anything off."""
    settings = get_settings()
    try:
        claims = jwt.decode(token, _secret(), algorithms=[ALGORITHM], audience=settings.jwt_audience,
                            issuer=settings.jwt_issuer, options={"require": ["exp", "iat", "sub", "iss", "aud"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token_expired", "The session token has expired; log in again.") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid_token", "The session token is not valid.") from exc
    shop_id, user_id = claims.get("shop"), claims.get("sub")
    if not isinstance(shop_id, str) or not isinstance(user_id, str) or not shop_id or not user_id:
        raise Unauthorized("invalid_token", "The session token is not valid.")
    return Shopper(shop_id=shop_id, user_id=user_id)
