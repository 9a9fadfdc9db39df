"""One Lambda per capability: CROWDCART_CAPABILITIES=catalog imports and routes only the catalog."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
import app
routes = {}
for path, methods in app.app.routes.items():
    for method, entry in methods.items():
        view = getattr(entry.view_function, "__wrapped__", entry.view_function)
        routes[method + " " + path] = view.__module__
print(json.dumps({"routes": routes, "always_on": list(getattr(app, "ALWAYS_ON", ())),
                  "capabilities": sorted(app.CAPABILITIES),
                  "modules": sorted(m for m in sys.modules if m.startswith("functions."))}))
"""

CATALOG_ROUTES = {
    "POST /admin/v1/categories", "GET /admin/v1/categories", "POST /admin/v1/products", "GET /admin/v1/products",
    "GET /admin/v1/products/{product_id}", "PATCH /admin/v1/products/{product_id}",
    "PUT /admin/v1/skus/{sku_id}/stock", "PATCH /admin/v1/skus/{sku_id}",
    "GET /v1/products", "GET /v1/products/{product_id}", "GET /v1/categories",
}


def run_app(capabilities):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "layers")]))
    env.pop("CROWDCART_CAPABILITIES", None)
    if capabilities is not None:
        env["CROWDCART_CAPABILITIES"] = capabilities
    return subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def split():
    only, everything = run_app("catalog"), run_app(None)
    assert only.returncode == 0, only.stderr
    assert everything.returncode == 0, everything.stderr
    return json.loads(only.stdout.strip().splitlines()[-1]), json.loads(everything.stdout.strip().splitlines()[-1])


def _package(module):
    parts = module.split(".")
    return parts[1] if parts[0] == "functions" and len(parts) > 1 else None


def test_catalog_process_serves_only_catalog_and_always_on_routes(split):
    only, _ = split
    allowed = {"catalog", *only["always_on"]}
    foreign = {route: module for route, module in only["routes"].items()
               if _package(module) is not None and _package(module) not in allowed}
    assert foreign == {}
    assert CATALOG_ROUTES <= set(only["routes"])
    assert "GET /health" in only["routes"]
    assert "POST /v1/auth/login" not in only["routes"] and "POST /admin/v1/shops" not in only["routes"]


def test_catalog_process_imports_no_other_capability(split):
    only, _ = split
    allowed = {"catalog", *only["always_on"]}
    assert [m for m in only["modules"] if _package(m) not in allowed] == []


def test_the_full_app_serves_the_same_catalog_routes_and_more(split):
    only, everything = split
    catalog = {r for r, m in everything["routes"].items() if _package(m) == "catalog"}
    assert catalog == {r for r, m in only["routes"].items() if _package(m) == "catalog"} == CATALOG_ROUTES
    assert "POST /v1/auth/login" in everything["routes"]
    assert "catalog" in everything["capabilities"]


def test_an_unknown_capability_fails_clearly():
    result = run_app("catalog,nope")
    assert result.returncode != 0
    assert "unknown capabilities" in result.stderr and "nope" in result.stderr
