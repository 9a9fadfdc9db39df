"""Every route answers its rightful caller's valid request with success — so when the other tests see a
403/404/413/422, it is the attack that was refused, not a broken request. This also keeps the
registry honest: a recipe or factory that no longer fits its route fails here, by name. And every
success body matches the response schema the route documents (what schemathesis checks on the
running server, here on real objects rather than mostly 404s)."""
import json
from functools import lru_cache

import jsonschema
import pytest

import app
from crowdcart.api.openapi import build_document
from tests.security import catalogue
from tests.security.registry import UNPAGED, Tenant, build, recipe_of, recipes_of, rightful

ROUTES = [r for r in catalogue.routes() if r.documented and r.auth != "wechatpay" and not recipe_of(r).positive]


@lru_cache(maxsize=1)
def document():
    """The OpenAPI document of the routes (as GET /openapi.json serves it)."""
    return build_document(app.app.routes)


def conforms(route, status, body):
    """The body matches the response schema the route documents for `status` (jsonschema, 2020-12)."""
    doc = document()
    response = doc["paths"][route.path][route.method.lower()]["responses"].get(str(status), {})
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    if schema is None or body is None:
        return
    jsonschema.Draft202012Validator(dict(schema, components=doc["components"])).validate(body)


def send(api, request, token):
    """One request of the registry's making."""
    return api.request(request.method, request.path, request.body, token=token, headers=request.headers)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_rightful_request_succeeds(api, world, platform_key, route):
    for name, rec in recipes_of(route):
        tenant = Tenant(api, platform_key, "Isolated") if rec.isolated else world.a
        caller = rightful(route, tenant, scratch=True)
        request = build(route, caller.objects, rec=rec, path_objects=caller.path_objects)
        reply = send(api, request, caller.token)
        expected = rec.ok or (route.status,)
        assert reply.status in expected, f"{name}: {request} {json.dumps(request.body)} → {reply.status} {reply.body}"
        try:
            conforms(route, reply.status, reply.body)
        except jsonschema.ValidationError as exc:
            pytest.fail(f"{name}: {request} → {reply.status}: the body breaks its documented schema at "
                        f"{'/'.join(map(str, exc.absolute_path))}: {exc.message}\n{json.dumps(reply.body)[:2000]}")
        if route.method == "GET" and isinstance(reply.body, dict) and "next_cursor" in reply.body:
            assert route.paged or route.key in UNPAGED, (
                f"{route} answers a page but declares no `limit` query: page it, or say in UNPAGED why it is bounded")
