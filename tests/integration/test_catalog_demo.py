"""The demo catalog seeds a browsable shop: category tree, six products, Chinese and English search."""
from urllib.parse import quote

from local import demo_catalog


def test_demo_catalog_is_browsable(api, shop, shopper):
    made = demo_catalog.seed(shop["shop_id"])
    assert len(made["products"]) == len(demo_catalog.PRODUCTS) == 6
    tree = api.get("/v1/categories", token=shopper["token"]).body["items"]
    assert len(tree) == 2 and all(len(root["children"]) == 2 for root in tree)
    listed = api.get("/v1/products", token=shopper["token"]).body
    assert len(listed["items"]) == 6 and listed["next_cursor"] is None
    for query, title in (("蓝牙耳机", "无线蓝牙耳机 Pro"), ("speaker", "Bluetooth Speaker Mini"), ("台灯 led", "LED 护眼台灯")):
        found = api.get(f"/v1/products?q={quote(query)}", token=shopper["token"]).body["items"]
        assert [p["title"] for p in found] == [title]
    digital = next(root for root in tree if root["name"].startswith("数码"))
    in_digital = api.get(f"/v1/products?category_id={digital['id']}", token=shopper["token"]).body["items"]
    assert len(in_digital) == 3
