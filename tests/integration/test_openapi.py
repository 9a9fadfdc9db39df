"""The published contract: GET /openapi.json and /docs, generated from the registered routes."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate

import app
from crowdcart.api.openapi import iter_routes, missing_specs
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
    from pydantic import BaseModel

    from crowdcart.api.docs import spec
    from crowdcart.api.openapi import build_document

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
