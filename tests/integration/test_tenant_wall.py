"""The tenant wall: shop A's merchant key and shopper token never reach shop B's objects.

Data-driven so every capability adds its own lines:
- a BUILDER creates shop B's objects through the API and returns placeholder → id;
- a Probe names one of them (`{placeholder}` in the path or body) and expects 404 for shop A;
- a Listing is a list shop A may read, which must never mention any of shop B's ids.
"""
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import pytest

Objects = Dict[str, str]


# ---------------------------------------------------------------- shop B's objects, per capability

def catalog_objects(api: Any, merchant_key: str, shopper_token: str) -> Objects:
    """A root and a child category, an on-shelf and an off-shelf product, their SKUs."""
    root = api.post("/admin/v1/categories", {"name": "数码"}, token=merchant_key).body["id"]
    child = api.post("/admin/v1/categories", {"name": "耳机", "parent_id": root}, token=merchant_key).body["id"]
    skus = [{"spec": "黑色", "price_fen": 100, "stock": 5}]
    shown = api.post("/admin/v1/products", {"title": "蓝牙耳机 Secret", "category_id": child, "skus": skus},
                     token=merchant_key).body
    hidden = api.post("/admin/v1/products", {"title": "蓝牙耳机 Hidden", "on_shelf": False, "skus": skus},
                      token=merchant_key).body
    return {"category_id": root, "child_category_id": child, "product_id": shown["id"],
            "sku_id": shown["skus"][0]["id"], "hidden_product_id": hidden["id"], "hidden_sku_id": hidden["skus"][0]["id"]}


BUILDERS: List[Callable[[Any, str, str], Objects]] = [catalog_objects]


@dataclass(frozen=True)
class Probe:
    """Shop A (`who` = merchant | shopper) names shop B's object; the answer must be `expect`."""

    method: str
    path: str
    who: str
    body: Optional[Dict[str, Any]] = None
    expect: int = 404

    def __str__(self) -> str:
        return f"{self.who}:{self.method} {self.path}"


@dataclass(frozen=True)
class Listing:
    """A list shop A reads; it must not mention any id of shop B."""

    path: str
    who: str
    extra: Dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.who}:GET {self.path}"


_PRODUCT = {"title": "蓝牙耳机 Mine", "category_id": "{category_id}", "skus": [{"spec": "a", "price_fen": 1, "stock": 1}]}

PROBES: List[Probe] = [
    Probe("GET", "/admin/v1/products/{product_id}", "merchant"),
    Probe("GET", "/admin/v1/products/{hidden_product_id}", "merchant"),
    Probe("PATCH", "/admin/v1/products/{product_id}", "merchant", {"title": "stolen"}),
    Probe("PATCH", "/admin/v1/products/{product_id}", "merchant", {"on_shelf": False}),
    Probe("PUT", "/admin/v1/skus/{sku_id}/stock", "merchant", {"stock": 0}),
    Probe("PUT", "/admin/v1/skus/{sku_id}/stock", "merchant", {"delta": -1}),
    Probe("PUT", "/admin/v1/skus/{sku_id}/stock", "merchant", {"stock": 0, "expected_stock": 5}),
    Probe("PATCH", "/admin/v1/skus/{sku_id}", "merchant", {"price_fen": 1}),
    Probe("PATCH", "/admin/v1/skus/{hidden_sku_id}", "merchant", {"spec": "x"}),
    Probe("POST", "/admin/v1/categories", "merchant", {"name": "mine", "parent_id": "{category_id}"}),
    Probe("POST", "/admin/v1/products", "merchant", _PRODUCT),
    Probe("POST", "/admin/v1/products", "merchant", dict(_PRODUCT, category_id="{child_category_id}")),
    Probe("PATCH", "/admin/v1/products/{own_product_id}", "merchant", {"category_id": "{category_id}"}),
    Probe("GET", "/admin/v1/products?category_id={category_id}", "merchant"),
    Probe("GET", "/v1/products/{product_id}", "shopper"),
    Probe("GET", "/v1/products/{hidden_product_id}", "shopper"),
    Probe("GET", "/v1/products?category_id={category_id}", "shopper"),
    Probe("GET", "/v1/products?category_id={child_category_id}&q=%E8%93%9D%E7%89%99", "shopper"),
]

LISTINGS: List[Listing] = [
    Listing("/admin/v1/products", "merchant"),
    Listing("/admin/v1/products?q=%E8%93%9D%E7%89%99%E8%80%B3%E6%9C%BA", "merchant"),  # 蓝牙耳机
    Listing("/admin/v1/products?q=secret", "merchant"),
    Listing("/admin/v1/categories", "merchant"),
    Listing("/v1/products", "shopper"),
    Listing("/v1/products?q=%E8%93%9D%E7%89%99", "shopper"),  # 蓝牙
    Listing("/v1/products?q=%E6%9C%BA", "shopper"),  # 机: one character, shelf filter
    Listing("/v1/categories", "shopper"),
]


# ---------------------------------------------------------------- fixtures

def _fill(value: Any, objects: Objects) -> Any:
    if isinstance(value, str):
        return value.format(**objects)
    if isinstance(value, dict):
        return {k: _fill(v, objects) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, objects) for v in value]
    return value


def _new_shop(api: Any, platform_key: str, name: str) -> Dict[str, str]:
    shop = api.post("/admin/v1/shops", {"name": name}, token=platform_key).body
    return dict(shop, token=api.login(shop["shop_id"], "wall")["token"])


@pytest.fixture(scope="module")
def wall(api, platform_key):
    """Shop A (with look-alike objects of its own) and shop B's objects."""
    mine, theirs = _new_shop(api, platform_key, "Shop A"), _new_shop(api, platform_key, "Shop B")
    own: Objects = {}
    for build in BUILDERS:
        own.update(build(api, mine["api_key"], mine["token"]))
    objects: Objects = {}
    for build in BUILDERS:
        objects.update(build(api, theirs["api_key"], theirs["token"]))
    objects.update({f"own_{k}": v for k, v in own.items()})
    return {"a": mine, "b": theirs, "objects": objects, "b_ids": {v for k, v in objects.items() if not k.startswith("own_")}}


def _token(wall: Dict[str, Any], who: str) -> str:
    return wall["a"]["api_key"] if who == "merchant" else wall["a"]["token"]


# ---------------------------------------------------------------- the wall

@pytest.mark.parametrize("probe", PROBES, ids=str)
def test_shop_a_cannot_reach_shop_b_objects(api, wall, probe):
    path, body = _fill(probe.path, wall["objects"]), _fill(probe.body, wall["objects"])
    reply = api.request(probe.method, path, body, token=_token(wall, probe.who))
    assert reply.status == probe.expect, (probe, reply.body)
    assert not any(i in json.dumps(reply.body) for i in wall["b_ids"] if i not in path + json.dumps(body))


def test_shop_b_objects_are_unchanged_after_the_probes(api, wall):
    objects, key = wall["objects"], wall["b"]["api_key"]
    product = api.get(f"/admin/v1/products/{objects['product_id']}", token=key).body
    assert product["title"] == "蓝牙耳机 Secret" and product["on_shelf"] is True
    assert [(s["spec"], s["price_fen"], s["stock"]) for s in product["skus"]] == [("黑色", 100, 5)]
    assert api.get(f"/v1/products/{objects['product_id']}", token=wall["b"]["token"]).status == 200


@pytest.mark.parametrize("listing", LISTINGS, ids=str)
def test_lists_never_show_shop_b(api, wall, listing):
    reply = api.get(_fill(listing.path, wall["objects"]), token=_token(wall, listing.who))
    assert reply.status == 200, reply.body
    text = json.dumps(reply.body)
    assert not [i for i in wall["b_ids"] if i in text]


def test_shop_a_sees_its_own_look_alikes(api, wall):
    """The listings are not empty by accident: A's own matching products are there."""
    items = api.get("/v1/products?q=%E8%93%9D%E7%89%99", token=wall["a"]["token"]).body["items"]
    assert [p["id"] for p in items] == [wall["objects"]["own_product_id"]]


def test_foreign_and_tampered_cursors_are_400(api, wall):
    b_cursor = api.get("/admin/v1/products?limit=1", token=wall["b"]["api_key"]).body["next_cursor"]
    assert b_cursor
    foreign = api.get(f"/admin/v1/products?limit=1&cursor={b_cursor}", token=wall["a"]["api_key"])
    assert foreign.status == 400 and foreign.body["error"]["code"] == "invalid_cursor"
    own = api.get("/admin/v1/products?limit=1", token=wall["a"]["api_key"]).body["next_cursor"]
    flipped = own[:-3] + ("A" if own[-3] != "A" else "B") + own[-2:]
    for bad in (flipped, "garbage", own + "x"):
        reply = api.get(f"/admin/v1/products?limit=1&cursor={bad}", token=wall["a"]["api_key"])
        assert reply.status == 400 and reply.body["error"]["code"] == "invalid_cursor", bad
    b_search_cursor = api.get("/v1/products?limit=1&q=%E8%93%9D%E7%89%99", token=wall["b"]["token"]).body["next_cursor"]
    assert b_search_cursor
    reply = api.get(f"/v1/products?q=%E8%93%9D%E7%89%99&cursor={b_search_cursor}", token=wall["a"]["token"])
    assert reply.status == 400 and reply.body["error"]["code"] == "invalid_cursor"
