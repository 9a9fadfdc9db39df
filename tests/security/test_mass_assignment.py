"""Mass assignment (OWASP API3): fields a caller must never set — prices, states, payment, points,
balances, tenant and user ids, roles — added to every write route's valid body (at the top and in
every nested object) are refused with a 422 naming the field, or ignored; never stored.

"Never stored" is checked on the wire: each added field carries a canary value (another tenant's
shop and user ids for `shop_id`/`user_id`), and no DynamoDB write of the request may contain one.
"""
import json
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from tests.security import catalogue
from tests.security.registry import Tenant, build, recipe_of, rightful
from tests.security.watch import committed_writes, dynamodb_calls

ROUTES = [r for r in catalogue.routes() if r.documented and r.writes and r.auth != "wechatpay"
          and not recipe_of(r).positive]


def forbidden(world) -> Dict[str, Any]:
    """The fields, with canary values (numbers no request here uses, strings no code writes)."""
    victim = world.b.shopper("x")
    return {
        "price_fen": 987_654_301, "unit_price_fen": 987_654_302, "payable_fen": 987_654_303,
        "discount_fen": 987_654_304, "amount_fen": 987_654_305, "refunded_fen": 987_654_306,
        "total_spent_fen": 987_654_307, "balance_fen": 987_654_308, "commission_fen": 987_654_309,
        "status": "canary_status", "paid": "canary_paid", "paid_at": 1_987_654_310, "points": 987_654_311,
        "balance": 987_654_312, "level": 987_654_313, "stock": 987_654_314, "sales": 987_654_315,
        "shop_id": world.b.shop_id, "user_id": victim.user_id, "owner_id": victim.user_id,
        "role": "canary_role", "is_admin": "canary_admin", "verified": "canary_verified",
        "created_at": 1_987_654_316, "entity": "canary_entity", "PK": "SHOP#canary", "SK": "canary_sk",
    }


def _nested_objects(body: Any, path: Tuple = ()) -> Iterator[Tuple]:
    """Paths (keys and list indexes) of every object inside the body, the body itself included."""
    if isinstance(body, dict):
        yield path
        for key, value in body.items():
            yield from _nested_objects(value, path + (key,))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            yield from _nested_objects(value, path + (index,))


def _declared(model: Any, path: Tuple) -> set:
    """Field names the request model declares at `path` (so a legitimate field is not called forbidden)."""
    schema = model.model_json_schema() if model is not None else {}
    defs, node = schema.get("$defs", {}), schema
    for step in path:
        node = _resolve(node, defs)
        node = node.get("items", {}) if isinstance(step, int) else (node.get("properties") or {}).get(step, {})
    node = _resolve(node, defs)
    names = set(node.get("properties") or {})
    for option in node.get("anyOf", []):
        names |= set(_resolve(option, defs).get("properties") or {})
    return names


def _resolve(node: Dict, defs: Dict) -> Dict:
    if "$ref" in node:
        return defs.get(node["$ref"].rsplit("/", 1)[1], {})
    for option in node.get("anyOf", []):
        if "$ref" in option or "properties" in option:
            return _resolve(option, defs)
    return node


def _with(body: Any, path: Tuple, extra: Dict[str, Any]) -> Any:
    copy = json.loads(json.dumps(body))
    node = copy
    for step in path:
        node = node[step]
    node.update(extra)
    return copy


def _canaries_in(calls, extra: Dict[str, Any]) -> List[str]:
    text = " ".join(c.text for c in committed_writes(calls))
    return [name for name, value in extra.items() if str(value) in text]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_forbidden_fields_are_refused_or_ignored_never_stored(api, world, platform_key, route):
    rec = recipe_of(route)
    tenant = Tenant(api, platform_key, "Isolated") if rec.isolated else world.a
    caller = rightful(route, tenant, scratch=route.request is None)  # a body-less route may succeed: new objects
    request = build(route, caller.objects, path_objects=caller.path_objects)
    body = request.body if isinstance(request.body, dict) else {}
    for path in list(_nested_objects(body)) or [()]:
        extra = {k: v for k, v in forbidden(world).items() if k not in _declared(route.request, path)}
        sent = _with(body, path, extra)
        with dynamodb_calls() as calls:
            reply = api.request(route.method, request.path, sent, token=caller.token, headers=request.headers)
        where = f"{route} with {sorted(extra)} at {'.'.join(map(str, path)) or 'the top'}"
        stored = _canaries_in(calls, extra)
        assert not stored, f"{where}: stored {stored}"
        if route.request is not None:
            assert reply.status == 422, f"{where} → {reply.status} {reply.body}"
            assert reply.body["error"]["code"] == "validation_error" and reply.body["error"].get("field"), reply.body
        else:
            assert reply.status < 500, f"{where} → {reply.status} {reply.body}"
