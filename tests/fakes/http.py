"""A small JSON client over chalice.test.Client, routed through the local runner's gateway."""
import itertools
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, Optional, Tuple

from chalice.config import Config
from chalice.local import LocalGatewayException

_codes = itertools.count()


@dataclass
class Reply:
    """Status, parsed JSON body and headers of a response."""

    status: int
    body: Any
    headers: Dict[str, str]


class ResponseSchemaError(AssertionError):
    """A 2xx response that does not match the response model its route documents."""


class Api:
    """Calls the app in-process exactly as API Gateway would (same gateway as `make run`).

    Every 2xx JSON response is validated against the response model its route declares in
    `@spec(response=…)`, so every integration test is also a check of the published contract.
    """

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
        if 200 <= status < 300 and parsed is not None:
            self._check_schema(method, path, parsed)
        return Reply(status, parsed, dict(out_headers or {}))

    @lru_cache(maxsize=None)
    def _routes(self) -> Tuple[Tuple[Any, str, Any], ...]:
        found = []
        for template, methods in self.app.routes.items():
            pattern = re.compile("^" + re.sub(r"{[^}/]+}", "[^/]+", template) + "$")
            for method, entry in methods.items():
                found.append((pattern, method, entry))
        return tuple(found)

    def _check_schema(self, method: str, path: str, body: Any) -> None:
        from crowdcart.api.openapi import route_spec
        from pydantic import ValidationError

        bare = path.split("?", 1)[0]
        for pattern, route_method, entry in self._routes():
            if route_method == method.upper() and pattern.match(bare):
                model = (route_spec(entry.view_function) or {}).get("response")
                if not hasattr(model, "model_validate"):
                    return  # undocumented, or a raw JSON schema (the OpenAPI document itself)
                try:
                    model.model_validate(body)
                except ValidationError as exc:
                    raise ResponseSchemaError(f"{method} {bare} answered outside its documented "
                                              f"{model.__name__}: {exc}") from exc
                return

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
