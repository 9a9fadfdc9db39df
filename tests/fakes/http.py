"""A small JSON client over chalice.test.Client, routed through the local runner's gateway."""
import itertools
import json
from dataclasses import dataclass
from typing import Any, Dict, Optional

from chalice.config import Config
from chalice.local import LocalGatewayException

_codes = itertools.count()


@dataclass
class Reply:
    """Status, parsed JSON body and headers of a response."""

    status: int
    body: Any
    headers: Dict[str, str]


class Api:
    """Calls the app in-process exactly as API Gateway would (same gateway as `make run`)."""

    def __init__(self) -> None:
        import app as application
        from local.server import CrowdcartGateway

        self.app = application.app
        self.gateway = CrowdcartGateway(self.app, Config.create(chalice_stage="local", app_name="crowdcart"))

    def request(self, method: str, path: str, body: Any = None, token: Optional[str] = None,
                headers: Optional[Dict[str, str]] = None, raw: Optional[bytes] = None) -> Reply:
        """Send one request; `body` is JSON-encoded unless `raw` bytes are given."""
        sent = {"content-type": "application/json"}
        if token:
            sent["authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        try:
            response = self.gateway.handle_request(method=method, path=path, headers=sent, body=data)
            status, payload, out_headers = response["statusCode"], response["body"], response["headers"]
        except LocalGatewayException as exc:
            status, payload, out_headers = exc.CODE, exc.body, exc.headers
        if isinstance(payload, bytes):
            payload = payload.decode()
        try:
            parsed = json.loads(payload) if payload else None
        except ValueError:
            parsed = payload
        return Reply(status, parsed, dict(out_headers or {}))

    def get(self, path: str, **kw: Any) -> Reply:
        """GET."""
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Reply:
        """POST with a JSON body."""
        return self.request("POST", path, body, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> Reply:
        """PUT with a JSON body."""
        return self.request("PUT", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Reply:
        """PATCH with a JSON body."""
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        """DELETE."""
        return self.request("DELETE", path, **kw)

    def login(self, shop_id: str, name: str) -> Dict[str, Any]:
        """Log a shopper in with a fresh sandbox code; returns {token, user_id, is_new}."""
        reply = self.post("/v1/auth/login", {"shop_id": shop_id, "code": f"{name}#{next(_codes)}"})
        assert reply.status == 200, reply.body
        return {"token": reply.body["token"], "user_id": reply.body["user"]["id"], "is_new": reply.body["user"]["is_new"]}
