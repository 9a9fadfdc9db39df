"""code2Session adapters: the real WeChat call, and the local stand-in (deterministic, single-use codes)."""
import hashlib
from typing import Any, Protocol

from crowdcart.clock import now
from crowdcart.db.models.shops import Shop, UsedLoginCode
from crowdcart.db.writes import ConditionFailed, put_unique
from crowdcart.errors import Conflict, Forbidden, ServiceUnavailable, TooManyRequests, Unauthorized

CODE2SESSION_URL = "https://api.weixin.qq.com/sns/jscode2session"


class Code2Session(Protocol):
    """Exchange a wx.login code for the shopper's openid (session_key stays on the server)."""

    def openid(self, shop: Shop, code: str) -> str:
        """Return the openid for this code, or raise a domain error."""


class SandboxCode2Session:
    """Local stand-in: code `<name>` or `<name>#<anything>`; each code once; same name, same openid."""

    def openid(self, shop: Shop, code: str) -> str:
        """Deterministic openid for the code's name; 401 when the code was already used."""
        name = code.split("#", 1)[0]
        if not name:
            raise Unauthorized("invalid_code", "The login code is not valid.")
        code_hash = hashlib.sha256(code.encode()).hexdigest()
        pk, sk = UsedLoginCode.key(shop.shop_id, code_hash)
        marker = UsedLoginCode(pk, sk, expires_at_ttl=now() + 86400)

        try:
            put_unique("login_code", marker)
        except ConditionFailed as exc:
            raise Unauthorized("code_used", "This login code was already used; call wx.login again.") from exc
        digest = hashlib.sha256(f"{shop.shop_id}:{name}".encode()).hexdigest()
        return f"sbx_{digest[:28]}"


class WeChatCode2Session:
    """The real `jscode2session` call with the shop's appid/secret, its error codes mapped."""

    def __init__(self, http: Any = None, timeout: float = 3.0) -> None:
        self._http = http
        self._timeout = timeout

    def openid(self, shop: Shop, code: str) -> str:
        """Call WeChat; map its errcode values to domain errors."""
        appid, secret = shop.wechat.get("appid"), shop.wechat.get("app_secret")
        if not appid or not secret:
            raise Conflict("wechat_not_configured", "This shop has no mini-program appid/secret yet.")
        http = self._http
        if http is None:
            import requests

            http = requests
        try:
            response = http.get(CODE2SESSION_URL, timeout=self._timeout, params={
                "appid": appid, "secret": secret, "js_code": code, "grant_type": "authorization_code"})
            data = response.json()
        except Exception as exc:  # network errors and bad JSON: WeChat is unreachable
            raise ServiceUnavailable("wechat_unavailable", "WeChat login is unavailable; retry.") from exc
        errcode = data.get("errcode") or 0
        if errcode == 0 and data.get("openid"):
            return data["openid"]
        if errcode in (40029, 40163):
            raise Unauthorized("invalid_code", "The login code is invalid or used; call wx.login again.")
        if errcode == 45011:
            raise TooManyRequests("rate_limited", "Too many logins; wait a minute.")
        if errcode == 40226:
            raise Forbidden("user_blocked", "WeChat flagged this user as high risk.")
        raise ServiceUnavailable("wechat_unavailable", f"WeChat login failed (errcode {errcode}); retry.")


def adapter(mode: str) -> Code2Session:
    """The adapter for this deployment: `sandbox` locally, `live` in AWS."""
    return SandboxCode2Session() if mode == "sandbox" else WeChatCode2Session()
