"""Unrestricted resource consumption (OWASP API4): oversized bodies are refused with a 413 on every
write route, before anything is written; every list caps its page size (`limit=100000` returns at
most the cap, and the rest is reachable through `next_cursor`); bad `limit` values are a 400."""
import json

import pytest

from crowdcart import pagination
from crowdcart.api import request as request_helpers
from crowdcart.settings import get_settings
from tests.security import catalogue
from tests.security.registry import UNPAGED, build, recipe_of, rightful
from tests.security.watch import committed_writes, dynamodb_calls

ROUTES = [r for r in catalogue.routes() if r.documented]
WRITES = [r for r in ROUTES if r.writes]
PAGED = [r for r in ROUTES if r.method == "GET" and r.paged]
FILLED = [r for r in PAGED if recipe_of(r).fills]


def _get(api, path, token, **query):
    joined = "&".join(f"{k}={v}" for k, v in query.items())
    return api.request("GET", path + ("&" if "?" in path else "?") + joined if joined else path, token=token)


@pytest.mark.parametrize("route", WRITES, ids=str)
def test_oversized_bodies_are_413_on_every_write_route(api, world, route):
    caller = rightful(route, world.a)
    request = build(route, caller.objects, path_objects=caller.path_objects)
    body = dict(request.body) if isinstance(request.body, dict) else {}
    body["padding"] = "x" * (get_settings().max_body_bytes + 1)
    with dynamodb_calls() as calls:
        reply = api.request(route.method, request.path, raw=json.dumps(body).encode(), token=caller.token,
                            headers=request.headers)
    assert reply.status == 413, f"{route}: {len(json.dumps(body))} bytes → {reply.status} {str(reply.body)[:300]}"
    assert not committed_writes(calls)


@pytest.mark.parametrize("route", FILLED, ids=str)
def test_every_list_caps_its_page_and_pages_on(api, world, monkeypatch, route):
    rec = recipe_of(route)
    caller = rightful(route, world.a, scratch=True)
    for _ in range(3):
        caller.objects.fresh(rec.fills)
    path = build(route, caller.objects, path_objects=caller.path_objects).path
    whole = _get(api, path, caller.token, limit=100000)
    assert whole.status == 200, whole.body
    assert len(whole.body[rec.items]) <= pagination.MAX_LIMIT
    assert whole.body[rec.items], f"{route}: the list shows none of the 3 {rec.fills} just made: {whole.body}"
    monkeypatch.setattr(pagination, "MAX_LIMIT", 1)
    first = _get(api, path, caller.token, limit=100000)
    assert first.status == 200, first.body
    assert len(first.body[rec.items]) <= 1, f"{route}: limit=100000 with a cap of 1 → {len(first.body[rec.items])}"
    assert first.body["next_cursor"], f"{route}: a capped page of a longer list must offer next_cursor"
    second = _get(api, path, caller.token, limit=100000, cursor=first.body["next_cursor"])
    assert second.status == 200 and len(second.body[rec.items]) <= 1, second.body


@pytest.mark.parametrize("route", [r for r in PAGED if not recipe_of(r).fills], ids=str)
def test_lists_that_cannot_be_filled_here_read_their_limit_through_the_cap(api, world, monkeypatch, route):
    seen = []
    clamp = pagination.clamp_limit

    def spy(raw):
        seen.append(clamp(raw))
        return seen[-1]

    monkeypatch.setattr(request_helpers, "clamp_limit", spy)
    caller = rightful(route, world.a)
    reply = _get(api, build(route, caller.objects, path_objects=caller.path_objects).path, caller.token, limit=100000)
    assert reply.status == 200, reply.body
    assert seen == [pagination.MAX_LIMIT], f"{route} did not read `limit` through the capped req.limit: {seen}"


@pytest.mark.parametrize("route", PAGED, ids=str)
def test_bad_limits_are_400(api, world, route):
    caller = rightful(route, world.a)
    path = build(route, caller.objects, path_objects=caller.path_objects).path
    for bad in ("0", "-1", "abc", "1.5", "1e9", "%00"):
        reply = _get(api, path, caller.token, limit=bad)
        assert reply.status == 400, f"{route} limit={bad} → {reply.status} {reply.body}"
        assert reply.body["error"]["code"] == "invalid_limit", reply.body


@pytest.mark.parametrize("route", [r for r in ROUTES if r.key in UNPAGED], ids=str)
def test_unpaged_lists_ignore_a_huge_limit(api, world, route):
    caller = rightful(route, world.a)
    reply = _get(api, build(route, caller.objects, path_objects=caller.path_objects).path, caller.token,
                 limit=100000)
    assert reply.status == 200, reply.body
