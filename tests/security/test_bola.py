"""Broken object-level authorization (OWASP API1), for every route that names an object:

- shop A's merchant key and shop A's shopper against shop B's objects (in the path or in the body);
- shopper x against shopper y's own objects (orders, coupons, sessions, groups…) in the same shop.

Each probe must be refused — 403/404 for an id in the path, any 4xx for one in a body — exactly as a
never-existing id is (same status, same error code: nothing tells the attacker the object exists),
must not echo anything of the victim's, and must not commit a single DynamoDB write. Two answers
other than a refusal are accepted, when identical to the unknown id's: an empty page of a list
under a foreign parent, and a route documented (`foreign=` in its recipe) as counting under the
caller's own shop whatever the id — which must then write nothing in the victim's shop.
"""
import json
import re
from typing import Any, Dict, List, Tuple

import pytest

from tests.security import catalogue
from tests.security.registry import (FACTORIES, SPECIAL, Objects, Request, build, kind_of, owned_params,
                                     placeholders, probed_params, recipe_of, recipes_of, rightful, unknown_value)
from tests.security.watch import committed_writes, dynamodb_calls

ROUTES = catalogue.routes()
PATH_REFUSED = (403, 404)
BODY_REFUSED = tuple(range(400, 500))


def _code(reply) -> Any:
    return (reply.body or {}).get("error", {}).get("code") if isinstance(reply.body, dict) else None


def _send(api, request: Request, token: str):
    return api.request(request.method, request.path, request.body, token=token, headers=request.headers)


def _ids(request: Request) -> List[str]:
    return list(request.ids.values()) + [w for w in re.findall(r"[0-9A-Z]{26}", json.dumps(request.body))]


def _masked(body: Any, ids) -> str:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    for ident in ids:
        text = text.replace(ident, "<id>")
    return text


def _empty_page(reply) -> bool:
    body = reply.body if isinstance(reply.body, dict) else {}
    return reply.status == 200 and "next_cursor" in body and not any(
        isinstance(v, list) and v for v in body.values())


def _check(api, label: str, route, request: Request, baseline: Request, token: str, victim_prefix: str,
           secrets: List[str], *, refused: Tuple[int, ...], foreign: str = "", existence_shared: bool = False) -> None:
    """Send the probe and an unknown-id twin; compare, look for leaks and for committed writes."""
    with dynamodb_calls() as calls:
        reply = _send(api, request, token)
    writes = committed_writes(calls)
    twin = _send(api, baseline, token)
    where = f"{label}: {request} {json.dumps(request.body, ensure_ascii=False)}"
    like_unknown = (reply.status, _code(reply)) == (twin.status, _code(twin))
    if reply.status not in refused:
        allowed = foreign or (route.method == "GET" and _empty_page(reply))
        same = _masked(reply.body, request.ids.values() or _ids(request)) == _masked(twin.body, _ids(baseline))
        assert allowed and like_unknown and same, f"{where} → {reply.status} {reply.body} (unknown id: {twin.body})"
    elif not existence_shared:
        assert like_unknown, (f"{where} → {reply.status} {_code(reply)}, but an unknown id → {twin.status} "
                              f"{_code(twin)}: the answer tells that the object exists")
    named = request.path + json.dumps(request.body, ensure_ascii=False)
    text = json.dumps(reply.body, ensure_ascii=False)
    leaked = [s for s in secrets if s and s in text and s not in named]
    assert not leaked, f"{where} → the answer contains the victim's {leaked}: {text[:500]}"
    if reply.status >= 400:
        assert not writes, f"{where} → {reply.status}, yet it wrote {[w.keys() for w in writes]}"
    else:
        inside = [k for w in writes for k in w.keys() if k.startswith(victim_prefix + "#") or k.startswith(victim_prefix + "|")]
        assert not inside, f"{where} → wrote into the victim's keys {inside}"


# ---------------------------------------------------------------- ids in the path

PATH_ROUTES = [r for r in ROUTES if r.auth in ("shopper", "merchant") and probed_params(r)]


def _path_cases(route, world) -> List[Tuple[str, Any, Objects, Any]]:
    """(label, attacker's caller, victim's objects, victim tenant) for this route."""
    attacker = rightful(route, world.a)
    cases = [("shop A vs shop B's objects", attacker, rightful(route, world.b).path_objects, world.b)]
    rec = recipe_of(route)
    if route.auth == "shopper" and owned_params(route) and not rec.shared:
        cases.append(("shopper x vs shopper y's objects", attacker, world.a.objects("y"), world.a))
    return cases


@pytest.mark.parametrize("route", PATH_ROUTES, ids=str)
def test_ids_in_the_path_do_not_reach_other_tenants_objects(api, world, route):
    rec = recipe_of(route)
    for label, attacker, theirs, victim in _path_cases(route, world):
        request = build(route, attacker.objects, path_objects=theirs)
        unknown = {p: unknown_value(kind_of(route, p)) for p in probed_params(route)}
        baseline = build(route, attacker.objects, path_objects=theirs, path_ids=unknown)
        secrets = victim.secrets() if victim is not world.a else (
            [theirs.shopper.user_id, theirs.shopper.token] + theirs.made)
        _check(api, label, route, request, baseline, attacker.token, f"SHOP#{victim.shop_id}", secrets,
               refused=PATH_REFUSED, foreign=rec.foreign)


# ---------------------------------------------------------------- ids in bodies and queries


def _object_kinds(rec) -> List[str]:
    kinds = placeholders([rec.body, dict(rec.query)])
    return sorted({k for k in kinds if k not in SPECIAL and k in FACTORIES and k not in FACTORIES[k].values})


BODY_CASES = [(route, name, rec, kind) for route in ROUTES if route.auth in ("shopper", "merchant")
              for name, rec in recipes_of(route) if not rec.positive for kind in _object_kinds(rec)]


@pytest.mark.parametrize("route,name,rec,kind", BODY_CASES,
                         ids=[f"{r} {n} {{{k}}}" for r, n, _, k in BODY_CASES])
def test_ids_in_the_body_do_not_reach_other_tenants_objects(api, world, route, name, rec, kind):
    attacker = rightful(route, world.a)
    cases = [("shop A names shop B's", world.b.objects("x"), world.b)]
    if FACTORIES[kind].owned and route.auth == "shopper":
        cases.append(("shopper x names shopper y's", world.a.objects("y"), world.a))
    for label, theirs, victim in cases:
        foreign_id, unknown_id = theirs.get(kind), unknown_value(kind)
        request = _with_id(route, rec, attacker, kind, foreign_id)
        baseline = _with_id(route, rec, attacker, kind, unknown_id)
        secrets = victim.secrets() if victim is not world.a else [theirs.shopper.user_id, theirs.shopper.token]
        _check(api, f"{label} {{{kind}}} ({name})", route, request, baseline, attacker.token,
               f"SHOP#{victim.shop_id}", [s for s in secrets if s != foreign_id], refused=BODY_REFUSED,
               existence_shared=victim is world.a and bool(FACTORIES[kind].shared))


def _with_id(route, rec, attacker, kind: str, ident: str) -> Request:
    from tests.security.registry import fill

    request = build(route, attacker.objects, rec=rec, path_objects=attacker.path_objects)
    request.body = fill(rec.body, attacker.objects, override={kind: ident})
    return request


def test_a_planted_hole_is_caught(api, world, monkeypatch):
    """The probe is not vacuous: with one route's ownership check removed, it fails on that route."""
    from crowdcart.db.orders import get_order
    from functions.orders import service

    monkeypatch.setattr(service, "get_shopper_order", lambda shop_id, user_id, order_id: get_order(shop_id, order_id))
    route = catalogue.by_key()["GET /v1/orders/{order_id}"]
    with pytest.raises(AssertionError, match="shopper x vs shopper y's objects: GET .* → 200"):
        test_ids_in_the_path_do_not_reach_other_tenants_objects(api, world, route)
