"""Server-side request forgery (OWASP API7): URLs in request bodies (product images, avatars, review
and refund photos…) are stored as text, never fetched. Every route whose request schema has a URL
field gets its valid request with each URL pointed at internal and unknown hosts, while every name
lookup and socket connection of this process is recorded: nothing but DynamoDB is contacted."""
import json
import os
import secrets
from typing import Any, Dict, List, Tuple
from urllib.parse import urlparse

import pytest

from tests.security import catalogue
from tests.security.registry import Tenant, build, recipe_of, rightful
from tests.security.watch import network

ROUTES = [r for r in catalogue.routes() if r.documented and r.request is not None and not recipe_of(r).positive]
TARGETS = ("https://169.254.169.254/latest/meta-data/iam/security-credentials/x.jpg",
           "https://127.0.0.1:2375/containers/json.jpg", "https://localhost:8000/admin/v1/shops.jpg",
           "https://{host}.example.invalid/p.jpg", "https://[::1]:6379/x.jpg")


def url_fields(schema: Dict[str, Any], defs: Dict[str, Any], path: Tuple = ()) -> List[Tuple]:
    """Paths (property names, `[]` for array items) of the string fields that hold URLs."""
    if "$ref" in schema:
        return url_fields(defs[schema["$ref"].rsplit("/", 1)[1]], defs, path)
    found: List[Tuple] = []
    for option in schema.get("anyOf", []) + schema.get("allOf", []):
        found += url_fields(option, defs, path)
    if schema.get("type") == "string" and ("https" in schema.get("pattern", "") or schema.get("format") in ("uri", "url")):
        found.append(path)
    for name, sub in (schema.get("properties") or {}).items():
        found += url_fields(sub, defs, path + (name,))
    if isinstance(schema.get("items"), dict):
        found += url_fields(schema["items"], defs, path + ("[]",))
    return found


def _values_at(body: Any, path: Tuple) -> List[Any]:
    if not path:
        return [body]
    head, rest = path[0], path[1:]
    if head == "[]":
        return [v for item in body or [] for v in _values_at(item, rest)] if isinstance(body, list) else []
    return _values_at(body.get(head), rest) if isinstance(body, dict) and head in body else []


def _point(body: Any, targets: List[str]) -> Any:
    """Every https URL in the body replaced by the next target."""
    if isinstance(body, str) and body.startswith("https://"):
        return targets.pop(0) if targets else body
    if isinstance(body, dict):
        return {k: _point(v, targets) for k, v in body.items()}
    if isinstance(body, list):
        return [_point(v, targets) for v in body]
    return body


def _schema(route):
    schema = route.request.model_json_schema()
    return schema, schema.get("$defs", {})


URL_ROUTES = [r for r in ROUTES if url_fields(*_schema(r))]


def test_url_fields_exist_and_every_one_is_in_its_recipe():
    assert URL_ROUTES, "no request schema has a URL field: the detection is broken"
    uncovered = []
    for route in URL_ROUTES:
        caller_body = recipe_of(route).body or {}
        for path in url_fields(*_schema(route)):
            if not [v for v in _values_at(caller_body, path) if isinstance(v, str) and v.startswith("https://")]:
                uncovered.append(f"{route}: {'.'.join(path)}")
    assert not uncovered, ("give these URL fields an https URL in the route's recipe, so the SSRF probe covers "
                           "them:\n  - " + "\n  - ".join(uncovered))


@pytest.mark.parametrize("route", URL_ROUTES, ids=str)
def test_urls_in_bodies_are_never_fetched(api, world, platform_key, route):
    rec = recipe_of(route)
    tenant = Tenant(api, platform_key, "Isolated") if rec.isolated else world.a
    caller = rightful(route, tenant, scratch=True)
    request = build(route, caller.objects, path_objects=caller.path_objects)
    host = f"ssrf-{secrets.token_hex(6)}"
    targets = [t.format(host=host) for t in TARGETS] * 10
    body = _point(request.body, targets)
    with network() as seen:
        reply = api.request(route.method, request.path, body, token=caller.token, headers=request.headers)
    assert reply.status in (rec.ok or (route.status,)), f"{route} {json.dumps(body)} → {reply.status} {reply.body}"
    dynamodb = urlparse(os.environ["CROWDCART_DYNAMODB_ENDPOINT"])
    allowed_hosts = {dynamodb.hostname}
    strays = [(kind, where) for kind, where in seen
              if (kind == "resolve" and where not in allowed_hosts)
              or (kind == "connect" and (not isinstance(where, tuple) or (where[0], where[1]) != (dynamodb.hostname, dynamodb.port)))]
    assert not strays, f"{route}: while handling URLs in the body the server contacted {strays}"


def test_a_planted_fetch_is_caught(api, world, platform_key, monkeypatch):
    """The probe is not vacuous: a service that looks up the avatar's host is caught."""
    import socket

    from functions.auth import service

    original = service.update_profile

    def fetching(shop_id, user_id, changes):
        try:
            socket.getaddrinfo(urlparse(changes["avatar_url"]).hostname, 443)
        except OSError:
            pass
        return original(shop_id, user_id, changes)

    monkeypatch.setattr(service, "update_profile", fetching)
    route = catalogue.by_key()["PATCH /v1/me"]
    with pytest.raises(AssertionError, match="contacted"):
        test_urls_in_bodies_are_never_fetched(api, world, platform_key, route)
