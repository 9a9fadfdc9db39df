"""The published contract: GET /openapi.json and /docs, generated from the registered routes."""
import html
import json
import os
import re
import subprocess
import sys
import typing
from pathlib import Path
from urllib.parse import urlencode

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, computed_field, create_model

import app
from crowdcart.api import request as req
from crowdcart.api.docs import spec
from crowdcart.api.openapi import build_document, iter_routes, missing_specs, route_spec
from functions.meta import service

ROOT = Path(__file__).resolve().parents[2]
_API_LINE = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[A-Za-z0-9_{}./-]+)")


def _api_md() -> Path:
    for candidate in (ROOT.parent / "shared" / "API.md", ROOT / "shared" / "API.md"):
        if candidate.exists():
            return candidate
    pytest.fail("shared/API.md (the fixed contract) is not beside the repository")


def _shape(path: str) -> str:
    return re.sub(r"{[^}]+}", "{}", path.rstrip("/"))


@pytest.fixture(scope="module")
def document(api):
    reply = api.get("/openapi.json")
    assert reply.status == 200
    return reply.body


def test_the_document_is_valid_openapi(document):
    validate(document)
    assert document["openapi"].startswith("3.1")
    text = json.dumps(document)
    assert "$defs" not in text, "pydantic $defs must be hoisted into components"
    for ref in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', text):
        assert ref in document["components"]["schemas"], ref


def test_every_registered_route_is_documented(document):
    documented = {(path, method.upper()) for path, item in document["paths"].items() for method in item}
    registered = {(path, method) for path, method, _ in iter_routes(app.app.routes)}
    assert registered == documented


def test_every_route_carries_spec_metadata():
    missing = missing_specs(app.app.routes)
    assert not missing, "add @spec(...) under @bp.route(...) for: " + "; ".join(missing)


def test_every_contract_path_that_exists_is_in_the_document(document):
    contract = set(_API_LINE.findall(_api_md().read_text()))
    assert ("GET", "/health") in contract and ("GET", "/openapi.json") in contract
    routes = {(method, _shape(path)): path for path, method, _ in iter_routes(app.app.routes)}
    present = [(method, routes[(method, _shape(path))]) for method, path in contract
               if (method, _shape(path)) in routes]
    assert len(present) >= 5, present
    for method, path in present:
        assert method.lower() in document["paths"].get(path, {}), f"{method} {path}"


def test_operations_describe_auth_bodies_params_and_errors(document):
    login = document["paths"]["/v1/auth/login"]["post"]
    body = login["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(document["components"]["schemas"][body]["required"]) == {"shop_id", "code"}
    assert login["security"] == []
    error = login["responses"]["422"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"}
    assert document["components"]["schemas"]["Error"]["properties"]["error"]["required"] == ["code", "message"]
    shops = document["paths"]["/admin/v1/shops"]["post"]
    assert shops["security"] == [{"platformKey": []}] and "201" in shops["responses"] and "401" in shops["responses"]
    assert document["paths"]["/v1/me"]["get"]["security"] == [{"shopperJwt": []}]
    assert document["paths"]["/admin/v1/shop"]["get"]["security"] == [{"merchantKey": []}]
    schemes = document["components"]["securitySchemes"]
    assert {schemes[n]["scheme"] for n in ("shopperJwt", "merchantKey", "platformKey")} == {"bearer"}
    for path, item in document["paths"].items():
        declared = set(re.findall(r"{([^}]+)}", path))
        for operation in item.values():
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert params == declared, (path, params)


def test_health_is_served_by_meta(api):
    reply = api.get("/health")
    assert reply.status == 200 and reply.body == {"status": "ok"}
    assert "functions.meta.routes" in app.CAPABILITIES["meta"]


def test_docs_page_is_self_contained_html(api, document):
    reply = api.get("/docs")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/html")
    page = reply.body
    assert page.startswith("<!doctype html>")
    for external in ("<script", "<link", "src=", "href=\"http", "@import", "url("):
        assert external not in page, external  # nothing to fetch: works offline
    for path in document["paths"]:
        assert path.replace("&", "&amp;") in page, path


def test_only_the_capabilities_this_process_serves_appear():
    script = ("import json, app\nfrom chalice.test import Client\n"
              "with Client(app.app) as c:\n"
              "    print(json.dumps(sorted(json.loads(c.http.get('/openapi.json').body)['paths'])))\n")
    env = dict(os.environ, CROWDCART_CAPABILITIES="shops", POWERTOOLS_LOG_LEVEL="CRITICAL",
               PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers")]))
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    paths = set(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert {"/health", "/openapi.json", "/docs", "/admin/v1/shops"} <= paths
    assert "/v1/auth/login" not in paths and not any(p.startswith("/v1/") for p in paths)


def test_a_bundled_document_wins_when_configured(tmp_path, monkeypatch):
    bundled = {"openapi": "3.1.0", "info": {"title": "bundled", "version": "1"}, "paths": {}}
    (tmp_path / "openapi.json").write_text(json.dumps(bundled))
    monkeypatch.setenv(service.BUNDLED_ENV, "openapi.json")
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    assert service.document(app.app.routes) == bundled
    monkeypatch.delenv(service.BUNDLED_ENV)
    assert service.document(app.app.routes)["info"]["title"] == "Crowdcart API"


def test_nested_models_with_the_same_name_are_kept_apart():
    def nested(field_type):
        class Item(BaseModel):
            value: field_type

        return Item

    class First(BaseModel):
        item: nested(int)

    class Second(BaseModel):
        item: nested(str)

    class Entry:
        def __init__(self, view):
            self.view_function = view

    @spec(auth="shopper", request=First)
    def first():
        """First."""

    @spec(auth="merchant", request=Second, response=First, status=201)
    def second():
        """Second."""

    doc = build_document({"/a": {"POST": Entry(first)}, "/b/{b_id}": {"PUT": Entry(second)}})
    validate(doc)
    schemas = doc["components"]["schemas"]
    refs = {schemas[name]["properties"]["item"]["$ref"] for name in ("First", "Second")}
    assert len(refs) == 2
    types = {schemas[ref.rsplit("/", 1)[1]]["properties"]["value"]["type"] for ref in refs}
    assert types == {"integer", "string"}
    assert doc["paths"]["/b/{b_id}"]["put"]["parameters"][0]["name"] == "b_id"


# --- exact: query parameters -------------------------------------------------------------------------------------

SOME_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"  # a well-formed id of nothing


class _Reading(dict):
    """A query mapping that notes every key a route looks up."""

    def __init__(self, data, seen):
        super().__init__(data)
        self.seen = seen

    def get(self, key, default=None):
        self.seen.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.seen.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.seen.add(key)
        return super().__contains__(key)


def _query_params(operation):
    return [p for p in operation.get("parameters", []) if p["in"] == "query"]


def _sample(schema):
    """A value the parameter's schema allows."""
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("type") in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        high = schema.get("maximum", low + 2)
        return (low + high) / 2 if schema["type"] == "number" else int(low) + 1
    return "x"


def _credentialed_gets(document):
    """(path, operation) of every GET that a shopper, merchant or platform key calls."""
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation and operation.get("security"):
            yield path, operation


def _call(api, path, operation, params, tokens):
    scheme = next(iter(operation["security"][0]))
    url = re.sub(r"{[^}]+}", SOME_ID, path) + ("?" + urlencode(params) if params else "")
    return api.get(url, token=tokens[scheme])


def _named(reply, names):
    """The parameters among `names` that a 4xx answer names (its `field`, or a word of its message)."""
    if reply.status < 400 or not isinstance(reply.body, dict):
        return set()
    error = reply.body.get("error") or {}
    return {n for n in names if error.get("field") == n or re.search(rf"\b{re.escape(n)}\b", error.get("message", ""))}


@pytest.fixture
def tokens(shop, shopper, platform_key):
    """A credential for each security scheme, in one fresh shop."""
    return {"shopperJwt": shopper["token"], "merchantKey": shop["api_key"], "platformKey": platform_key}


def test_required_query_parameters_are_marked_so_and_refused_when_missing(api, document, tokens):
    """A list called with its required query parameters only is not refused for a missing optional one;
    leaving out any required one is a 4xx that names it."""
    checked = set()
    for path, operation in _credentialed_gets(document):
        params = _query_params(operation)
        if not params or "{" in path:
            continue
        names = {p["name"] for p in params}
        required = {p["name"]: _sample(p["schema"]) for p in params if p["required"]}
        reply = _call(api, path, operation, required, tokens)
        assert not _named(reply, names), f"GET {path} refuses a call without {_named(reply, names)}: mark it required"
        for name in required:
            reply = _call(api, path, operation, {k: v for k, v in required.items() if k != name}, tokens)
            assert 400 <= reply.status < 500 and name in _named(reply, {name}), (path, name, reply.status, reply.body)
            checked.add((path, name))
    assert {("/v1/stores/nearby", "lat"), ("/v1/stores/nearby", "lng")} <= checked
    nearby = {p["name"]: p for p in _query_params(document["paths"]["/v1/stores/nearby"]["get"])}
    assert {n for n, p in nearby.items() if p["required"]} == {"lat", "lng"}
    assert nearby["radius_km"]["schema"]["maximum"] == 10 and nearby["lat"]["description"]


def test_every_query_parameter_a_route_reads_is_declared(api, document, tokens, monkeypatch):
    """Every credentialed GET, called with its required parameters: the query keys it reads are all in its spec."""
    seen = set()
    original = req.query
    monkeypatch.setattr(req, "query", lambda request: _Reading(original(request), seen))
    undeclared = []
    for path, operation in _credentialed_gets(document):
        seen.clear()
        declared = {p["name"] for p in _query_params(operation)}
        required = {p["name"]: _sample(p["schema"]) for p in _query_params(operation) if p["required"]}
        _call(api, path, operation, required, tokens)
        if seen - declared:
            undeclared.append(f"GET {path} reads {sorted(seen - declared)}")
    assert not undeclared, "declare these in the route's @spec(query=…): " + "; ".join(undeclared)


def test_paging_and_idempotency_parameters_say_what_they_mean(document):
    for item in document["paths"].values():
        for operation in item.values():
            for p in operation.get("parameters", []):
                if p["name"] in ("cursor", "limit", "Idempotency-Key"):
                    assert p.get("description"), (operation["operationId"], p["name"])
                if p["name"] == "limit":
                    assert p["schema"] == {"type": "integer", "minimum": 1}


# --- exact: component names ---------------------------------------------------------------------------------------

def _refs(node):
    return set(re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(node)))


def test_component_names_are_unique_meaningful_and_referenced(document):
    schemas = document["components"]["schemas"]
    names = list(schemas)
    assert len({n.casefold() for n in names}) == len(names), "names that differ only by case"
    assert not [n for n in names if re.search(r"\d$", n) or "__" in n], "auto-disambiguated names"
    for name, schema in schemas.items():
        title = schema.get("title", name).replace(" ", "")
        assert title in name, f"{name} is not named after its model {title}"
    reached, todo = set(), _refs(document["paths"])
    while todo:
        name = todo.pop()
        reached.add(name)
        todo |= _refs(schemas[name]) - reached
    assert set(names) == reached, f"components nothing refers to: {sorted(set(names) - reached)}"
    assert {"CardsShare", "LotteryShare", "PointsShare", "StoresCreated"} <= set(names)


def test_colliding_model_names_get_their_capability_or_form_not_a_number():
    share_a = create_model("Share", __module__="functions.cards.schemas", card=(str, ...))
    share_b = create_model("Share", __module__="functions.lottery.schemas", prize=(int, ...))

    class Unique(BaseModel):
        """Only one model has this name."""

        a: share_a
        b: share_b

    class Priced(BaseModel):
        """Its response form has a field its request form has not."""

        fen: int

        @computed_field
        @property
        def yuan(self) -> float:
            return self.fen / 100

    class Entry:
        def __init__(self, view):
            self.view_function = view

    @spec(auth="merchant", request=Priced, response=Unique)
    def one():
        """One."""

    @spec(auth="merchant", response=Priced)
    def two():
        """Two."""

    doc = build_document({"/one": {"POST": Entry(one)}, "/two": {"GET": Entry(two)}})
    validate(doc)
    assert set(doc["components"]["schemas"]) == {"Error", "Unique", "CardsShare", "LotteryShare",
                                                 "PricedInput", "PricedOutput"}


# --- readable: nested fields and descriptions ----------------------------------------------------------------------

def _models_in(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def _documented_models():
    """Every pydantic model the routes name, with the models nested in their fields."""
    found, todo = set(), [m for _, _, entry in iter_routes(app.app.routes)
                          for m in ((route_spec(entry.view_function) or {}).get(k) for k in ("request", "response"))
                          if isinstance(m, type) and issubclass(m, BaseModel)]
    while todo:
        model = todo.pop()
        if model not in found:
            found.add(model)
            todo += [inner for info in model.model_fields.values() for inner in _models_in(info.annotation)]
    return found


def _description_of(prop, schemas):
    """A property's description; pydantic leaves it out when it repeats the description of the model it refers to."""
    ref = prop.get("$ref", "").rsplit("/", 1)[-1]
    return prop.get("description") or schemas.get(ref, {}).get("description")


def test_fields_carry_their_descriptions(document):
    schemas = document["components"]["schemas"]
    lost = []
    for model in _documented_models():
        mine = [s for s in schemas.values() if s.get("title") == model.model_json_schema().get("title")]
        for name, info in model.model_fields.items():
            described = [_description_of(s.get("properties", {}).get(info.alias or name, {}), schemas) for s in mine]
            if info.description and info.description not in described:
                lost.append(f"{model.__name__}.{name}")
    assert not lost, lost
    body = document["paths"]["/v1/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    checkout = schemas[body["$ref"].rsplit("/", 1)[1]]
    nested = {"items": "Item", "activity": "Activity", "delivery": "Delivery"}
    for schema in [checkout, schemas["Address"]] + [schemas[n] for n in nested.values()]:
        undescribed = [f for f, sub in schema["properties"].items() if not sub.get("description")]
        assert not undescribed, (schema["title"], undescribed)


def test_no_object_hides_the_fields_its_model_knows(document):
    """Every object in components lists its properties or says it is a free-form map; bodies are named schemas."""
    def objects(node):
        if isinstance(node, dict):
            if node.get("type") == "object":
                yield node
            for value in node.values():
                yield from objects(value)
        elif isinstance(node, list):
            for value in node:
                yield from objects(value)

    schemas = document["components"]["schemas"]
    bare = [o for o in objects(schemas) if "properties" not in o and "additionalProperties" not in o]
    assert not bare, bare
    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {}).get("schema")
            if body is not None:
                assert schemas[body["$ref"].rsplit("/", 1)[1]]["properties"], (method, path)


def test_docs_page_spells_out_nested_fields_and_descriptions(api, document):
    page = api.get("/docs").body
    operation = document["paths"]["/v1/orders"]["post"]
    start = page.index(f'id="{operation["operationId"]}"')
    section = page[start:page.index("<h3 ", start)]
    address = document["components"]["schemas"]["Address"]["properties"]
    for field, schema in address.items():
        assert f"<code>delivery.address.{field}</code>" in section, field
        assert html.escape(schema["description"]) in section, field
    for row in ("items[].sku_id", "items[].quantity", "activity.type", "delivery.store_id", "points_to_use"):
        assert f"<code>{row}</code>" in section, row
    nearby = document["paths"]["/v1/stores/nearby"]["get"]
    for p in nearby["parameters"]:
        assert html.escape(p.get("description", "")) in page
    for name, schema in document["components"]["schemas"].items():
        assert f'id="schema-{name}"' in page, name
        for field, sub in (schema.get("properties") or {}).items():
            if sub.get("description"):
                assert html.escape(sub["description"]) in page, (name, field)
