"""Delivering notifications as WeChat subscribe messages (订阅消息).

Locally (sandbox) a notification is only stored, and listed at GET /v1/me/notifications.
In AWS the live sender posts it to `subscribeMessage.send` with the shop's access token
(`stable_token`, cached until shortly before it expires) and the template id the merchant mapped
to our template name in the shop's `wechat.subscribe_templates`. A shopper who did not subscribe
(errcode 43101) or a template the shop never mapped is recorded, not retried.
"""
import threading
import time
from typing import Any, Dict, Optional, Protocol, Tuple

from crowdcart.errors import ServiceUnavailable

TOKEN_URL = "https://api.weixin.qq.com/cgi-bin/stable_token"
SEND_URL = "https://api.weixin.qq.com/cgi-bin/message/subscribe/send"
NOT_SUBSCRIBED = 43101


class Sender(Protocol):
    """Delivers one notification; returns the delivery status to record."""

    def send(self, wechat: Dict[str, Any], openid: str, template: str, data: Dict[str, Any]) -> str:
        """`stored` | `sent` | `not_subscribed` | `no_template`; raises ServiceUnavailable to retry."""


class StoreOnly:
    """Local mode: the inbox is the delivery."""

    def send(self, wechat: Dict[str, Any], openid: str, template: str, data: Dict[str, Any]) -> str:
        """Nothing leaves the machine."""
        return "stored"


class WeChatSender:
    """The live subscribe-message API (timeouts short; errors mapped)."""

    def __init__(self, http: Any = None, timeout: float = 3.0) -> None:
        self._http = http
        self._timeout = timeout
        self._tokens: Dict[str, Tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _client(self) -> Any:
        if self._http is None:
            import requests

            self._http = requests
        return self._http

    def _token(self, appid: str, secret: str) -> str:
        with self._lock:
            cached = self._tokens.get(appid)
            if cached and cached[1] > time.time():
                return cached[0]
        reply = self._post(TOKEN_URL, {"grant_type": "client_credential", "appid": appid, "secret": secret})
        if not reply.get("access_token"):
            raise ServiceUnavailable("wechat_unavailable", f"WeChat token failed (errcode {reply.get('errcode')}).")
        with self._lock:
            self._tokens[appid] = (reply["access_token"], time.time() + int(reply.get("expires_in", 7200)) - 300)
        return reply["access_token"]

    def _post(self, url: str, body: Dict[str, Any], params: Optional[Dict[str, str]] = None) -> Dict[str, Any]:
        try:
            return self._client().post(url, json=body, params=params, timeout=self._timeout).json()
        except Exception as exc:  # network errors and bad JSON: WeChat is unreachable, retry later
            raise ServiceUnavailable("wechat_unavailable", "WeChat is unreachable.") from exc

    def send(self, wechat: Dict[str, Any], openid: str, template: str, data: Dict[str, Any]) -> str:
        """Send through WeChat; map its answer to a delivery status."""
        template_id = (wechat.get("subscribe_templates") or {}).get(template)
        if not template_id or not wechat.get("appid") or not wechat.get("app_secret"):
            return "no_template"
        token = self._token(wechat["appid"], wechat["app_secret"])
        fields = {name: {"value": str(value)[:20]} for name, value in data.items()}
        reply = self._post(SEND_URL, {"touser": openid, "template_id": template_id,
                                      "page": f"pages/order/detail?id={data.get('order_id', '')}", "data": fields},
                           params={"access_token": token})
        code = int(reply.get("errcode") or 0)
        if code == 0:
            return "sent"
        if code == NOT_SUBSCRIBED:
            return "not_subscribed"
        if code in (40001, 42001):  # token invalid or expired: drop it, retry
            with self._lock:
                self._tokens.pop(wechat["appid"], None)
        raise ServiceUnavailable("wechat_unavailable", f"subscribeMessage.send failed (errcode {code}).")


def sender(mode: str) -> Sender:
    """The sender for this deployment: store-only with the sandbox, WeChat otherwise."""
    return StoreOnly() if mode == "sandbox" else _live


_live = WeChatSender()
