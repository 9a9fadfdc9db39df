"""Catalog routes against DynamoDB Local: categories, products, SKUs, stock, shelf and lists."""
import pytest

from crowdcart.db.models.catalog import Product, SearchEntry, Sku


def product_body(title="无线蓝牙耳机 Pro", **extra):
    body = {"title": title, "description": "降噪", "images": ["https://img.example.com/a.jpg"],
            "skus": [{"spec": "黑色", "price_fen": 19900, "stock": 5}, {"spec": "白色", "price_fen": 17900, "stock": 0}]}
    body.update(extra)
    return body


@pytest.fixture
def key(shop):
    return shop["api_key"]


def create(api, key, **body):
    reply = api.post("/admin/v1/products", product_body(**body), token=key)
    assert reply.status == 201, reply.body
    return reply.body


def category(api, key, name, parent_id=None):
    body = {"name": name} if parent_id is None else {"name": name, "parent_id": parent_id}
    reply = api.post("/admin/v1/categories", body, token=key)
    assert reply.status == 201, reply.body
    return reply.body["id"]


# ---------------------------------------------------------------- categories

def test_categories_have_two_levels_and_form_a_tree(api, key, shop, shopper):
    digital = category(api, key, "数码")
    audio = category(api, key, "耳机", digital)
    home = category(api, key, "Home")
    too_deep = api.post("/admin/v1/categories", {"name": "x", "parent_id": audio}, token=key)
    assert too_deep.status == 422 and too_deep.body["error"]["field"] == "parent_id"
    missing = api.post("/admin/v1/categories", {"name": "x", "parent_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, token=key)
    assert missing.status == 404 and missing.body["error"]["code"] == "category_not_found"
    flat = api.get("/admin/v1/categories", token=key)
    assert flat.status == 200 and {c["id"] for c in flat.body["items"]} == {digital, audio, home}
    tree = api.get("/v1/categories", token=shopper["token"])
    assert tree.status == 200
    roots = {c["id"]: c for c in tree.body["items"]}
    assert set(roots) == {digital, home}
    assert [c["id"] for c in roots[digital]["children"]] == [audio] and roots[home]["children"] == []


def test_category_input_is_validated(api, key):
    reply = api.post("/admin/v1/categories", {"name": ""}, token=key)
    assert reply.status == 422 and reply.body["error"]["field"] == "name"
    reply = api.post("/admin/v1/categories", {"name": "x", "parent_id": "nope"}, token=key)
    assert reply.status == 422 and reply.body["error"]["field"] == "parent_id"


# ---------------------------------------------------------------- products

def test_create_product_writes_product_skus_and_search_entries(api, key, shop, shopper):
    created = create(api, key)
    assert [s["spec"] for s in created["skus"]] == ["黑色", "白色"] and created["skus"][0]["stock"] == 5
    product = Product.get(*Product.key(shop["shop_id"], created["id"]))
    assert product.min_price_fen == 17900 and product.sku_ids == [s["id"] for s in created["skus"]]
    sku = Sku.get(*Sku.key(shop["shop_id"], created["skus"][0]["id"]))
    assert (sku.product_id, sku.product_title, sku.price_fen, sku.on_shelf) == (created["id"], "无线蓝牙耳机 Pro", 19900, True)
    assert sku.image == "https://img.example.com/a.jpg"
    assert SearchEntry.count(SearchEntry.partition(shop["shop_id"], "蓝牙")) == 1
    detail = api.get(f"/v1/products/{created['id']}", token=shopper["token"])
    assert detail.status == 200
    assert detail.body["title"] == "无线蓝牙耳机 Pro" and detail.body["description"] == "降噪"
    assert [(s["id"], s["spec"], s["price_fen"], s["stock"]) for s in detail.body["skus"]] == [
        (s["id"], s["spec"], s["price_fen"], s["stock"]) for s in created["skus"]]
    assert detail.body["min_price_fen"] == 17900 and detail.body["sales"] == 0


@pytest.mark.parametrize("change, field", [
    ({"title": ""}, "title"),
    ({"title": "x" * 61}, "title"),
    ({"skus": []}, "skus"),
    ({"skus": [{"spec": "a", "price_fen": 0, "stock": 1}]}, "skus.0.price_fen"),
    ({"skus": [{"spec": "a", "price_fen": 1, "stock": -1}]}, "skus.0.stock"),
    ({"skus": [{"spec": "a", "price_fen": 1, "stock": 1}] * 2}, "skus"),
    ({"skus": [{"spec": f"s{i}", "price_fen": 1, "stock": 1} for i in range(51)]}, "skus"),
    ({"images": ["http://img.example.com/a.jpg"]}, "images.0"),
    ({"images": ["https://img.example.com/a.jpg"] * 10}, "images"),
    ({"images": ["https://img.example.com/" + "a" * 600]}, "images.0"),
    ({"kind": "digital"}, "kind"),
    ({"price_fen": 1}, "price_fen"),
    ({"category_id": "nope"}, "category_id"),
    ({"title": " ".join(f"word{chr(97 + i)}{chr(97 + j)}" for i in range(5) for j in range(3))}, "title"),
])
def test_product_input_errors_name_the_field(api, key, change, field):
    reply = api.post("/admin/v1/products", product_body(**change), token=key)
    assert reply.status == 422, reply.body
    assert reply.body["error"]["field"] == field


def test_unknown_category_is_404(api, key):
    reply = api.post("/admin/v1/products", product_body(category_id="01ARZ3NDEKTSV4RRFFQ69G5FAV"), token=key)
    assert reply.status == 404 and reply.body["error"]["code"] == "category_not_found"


def test_viewer_keys_and_shoppers_cannot_write(api, key, shopper):
    viewer = api.post("/admin/v1/staff-keys", {"role": "viewer"}, token=key).body["api_key"]
    assert api.post("/admin/v1/products", product_body(), token=viewer).status == 403
    assert api.get("/admin/v1/products", token=viewer).status == 200
    assert api.post("/admin/v1/products", product_body(), token=shopper["token"]).status == 403
    assert api.get("/v1/products", token=key).status == 403
    assert api.get("/v1/products").status == 401


def test_a_fifty_sku_product_with_a_long_title_fits_one_transaction(api, key, shop):
    title = "超长标题的无线蓝牙降噪耳机运动跑步入耳式游戏电竞手机通用长续航大电量礼物男女款式"
    skus = [{"spec": f"规格{i}", "price_fen": 100 + i, "stock": i} for i in range(50)]
    created = create(api, key, title=title, skus=skus)
    assert len(created["skus"]) == 50
    detail = api.get(f"/admin/v1/products/{created['id']}", token=key)
    assert len(detail.body["skus"]) == 50 and detail.body["min_price_fen"] == 100


# ---------------------------------------------------------------- shelf, patch, title changes

def test_shelving_moves_product_and_skus_together(api, key, shop, shopper):
    created = create(api, key)
    off = api.patch(f"/admin/v1/products/{created['id']}", {"on_shelf": False}, token=key)
    assert off.status == 200 and off.body["on_shelf"] is False
    skus = [Sku.get(*Sku.key(shop["shop_id"], s["id"]), consistent_read=True) for s in created["skus"]]
    assert all(s.on_shelf is False for s in skus)
    assert api.get(f"/v1/products/{created['id']}", token=shopper["token"]).status == 404
    assert api.get("/v1/products", token=shopper["token"]).body["items"] == []
    merchant_list = api.get("/admin/v1/products", token=key).body["items"]
    assert [(p["id"], p["on_shelf"]) for p in merchant_list] == [(created["id"], False)]
    assert api.patch(f"/admin/v1/products/{created['id']}", {"on_shelf": True}, token=key).status == 200
    assert api.get(f"/v1/products/{created['id']}", token=shopper["token"]).status == 200
    assert all(Sku.get(*Sku.key(shop["shop_id"], s["id"]), consistent_read=True).on_shelf for s in created["skus"])


def test_title_change_rewrites_search_entries_and_sku_titles(api, key, shop, shopper):
    created = create(api, key, title="无线蓝牙耳机 Pro")
    reply = api.patch(f"/admin/v1/products/{created['id']}", {"title": "Bluetooth Speaker 音箱"}, token=key)
    assert reply.status == 200 and reply.body["title"] == "Bluetooth Speaker 音箱"
    shop_id = shop["shop_id"]
    assert SearchEntry.count(SearchEntry.partition(shop_id, "蓝牙"), consistent_read=True) == 0
    assert SearchEntry.count(SearchEntry.partition(shop_id, "blue"), consistent_read=True) == 1
    assert Sku.get(*Sku.key(shop_id, created["skus"][0]["id"]), consistent_read=True).product_title == "Bluetooth Speaker 音箱"
    assert search(api, shopper, "耳机") == []
    assert search(api, shopper, "bluetooth 音箱") == [created["id"]]


def test_a_big_title_change_with_fifty_skus_still_lands(api, key, shop, shopper):
    """Disjoint long titles and 50 SKUs exceed one transaction: search first, then shelf with SKUs."""
    first = "".join(chr(0x4E00 + i) for i in range(45))  # 44 bigrams
    second = "".join(chr(0x5E00 + i) for i in range(45))  # 44 others: 1 + 88 + 50 actions > 100
    skus = [{"spec": f"s{i}", "price_fen": 100, "stock": 1} for i in range(50)]
    created = create(api, key, title=first, skus=skus)
    reply = api.patch(f"/admin/v1/products/{created['id']}", {"title": second, "on_shelf": False}, token=key)
    assert reply.status == 200 and reply.body["on_shelf"] is False
    shop_id = shop["shop_id"]
    assert SearchEntry.count(SearchEntry.partition(shop_id, first[:2]), consistent_read=True) == 0
    assert SearchEntry.count(SearchEntry.partition(shop_id, second[-2:]), consistent_read=True) == 1
    assert search(api, shopper, second[10:20]) == []  # off the shelf now
    assert [p["id"] for p in api.get("/admin/v1/products", token=key).body["items"]] == [created["id"]]
    stored = [Sku.get(*Sku.key(shop_id, s["id"]), consistent_read=True) for s in created["skus"]]
    assert all(s.product_title == second and s.on_shelf is False for s in stored)


def test_patch_fields_and_category_move(api, key, shop, shopper):
    root = category(api, key, "数码")
    child = category(api, key, "耳机", root)
    created = create(api, key)
    reply = api.patch(f"/admin/v1/products/{created['id']}", {
        "description": "新描述", "images": ["https://img.example.com/b.jpg"], "virtual_sales": 100,
        "category_id": child}, token=key)
    assert reply.status == 200
    assert (reply.body["description"], reply.body["images"], reply.body["virtual_sales"], reply.body["category_id"]) == (
        "新描述", ["https://img.example.com/b.jpg"], 100, child)
    assert Sku.get(*Sku.key(shop["shop_id"], created["skus"][0]["id"]), consistent_read=True).category_id == child
    assert listed(api, shopper, category_id=child) == [created["id"]]
    assert listed(api, shopper, category_id=root) == [created["id"]]
    cleared = api.patch(f"/admin/v1/products/{created['id']}", {"category_id": None}, token=key)
    assert cleared.status == 200 and cleared.body["category_id"] is None
    assert listed(api, shopper, category_id=root) == []
    assert listed(api, shopper) == [created["id"]]


@pytest.mark.parametrize("body, field", [
    ({}, "body"), ({"title": None}, "title"), ({"on_shelf": None}, "on_shelf"), ({"price_fen": 5}, "price_fen"),
    ({"images": ["ftp://x"]}, "images.0"), ({"virtual_sales": -1}, "virtual_sales")])
def test_patch_input_errors_name_the_field(api, key, body, field):
    created = create(api, key)
    reply = api.patch(f"/admin/v1/products/{created['id']}", body, token=key)
    assert reply.status == 422 and reply.body["error"]["field"] == field, reply.body


def test_patch_unknown_product_or_category_is_404(api, key):
    assert api.patch("/admin/v1/products/01ARZ3NDEKTSV4RRFFQ69G5FAV", {"title": "x"}, token=key).status == 404
    assert api.patch("/admin/v1/products/not-an-id", {"title": "x"}, token=key).status == 404
    created = create(api, key)
    reply = api.patch(f"/admin/v1/products/{created['id']}", {"category_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, token=key)
    assert reply.status == 404 and reply.body["error"]["code"] == "category_not_found"


# ---------------------------------------------------------------- SKUs: stock and price

def test_stock_set_and_conditional_adjust(api, key, shop):
    sku_id = create(api, key)["skus"][0]["id"]
    path = f"/admin/v1/skus/{sku_id}/stock"
    assert api.put(path, {"stock": 10}, token=key).body == {"id": sku_id, "stock": 10}
    assert api.put(path, {"delta": -4}, token=key).body["stock"] == 6
    assert api.put(path, {"delta": 3}, token=key).body["stock"] == 9
    refused = api.put(path, {"delta": -10}, token=key)
    assert refused.status == 409 and refused.body["error"]["code"] == "insufficient_stock"
    assert refused.body["error"]["stock"] == 9
    assert api.put(path, {"delta": -9}, token=key).body["stock"] == 0
    stale = api.put(path, {"stock": 50, "expected_stock": 3}, token=key)
    assert stale.status == 409 and stale.body["error"]["code"] == "stock_changed"
    assert api.put(path, {"stock": 50, "expected_stock": 0}, token=key).body["stock"] == 50
    assert Sku.get(*Sku.key(shop["shop_id"], sku_id), consistent_read=True).stock == 50


@pytest.mark.parametrize("body, field", [
    ({}, "stock"), ({"stock": 1, "delta": 1}, "stock"), ({"stock": -1}, "stock"), ({"delta": "x"}, "delta"),
    ({"delta": -1, "expected_stock": 1}, "expected_stock"), ({"stock": 1, "extra": 1}, "extra")])
def test_stock_input_errors_name_the_field(api, key, body, field):
    sku_id = create(api, key)["skus"][0]["id"]
    reply = api.put(f"/admin/v1/skus/{sku_id}/stock", body, token=key)
    assert reply.status == 422 and reply.body["error"]["field"] == field, reply.body


def test_stock_of_unknown_sku_is_404(api, key):
    for body in ({"stock": 1}, {"delta": -1}, {"delta": 1}, {"stock": 1, "expected_stock": 0}):
        reply = api.put("/admin/v1/skus/01ARZ3NDEKTSV4RRFFQ69G5FAV/stock", body, token=key)
        assert reply.status == 404 and reply.body["error"]["code"] == "sku_not_found"


def test_sku_price_and_spec_patch_moves_min_price(api, key, shop, shopper):
    created = create(api, key)
    black, white = (s["id"] for s in created["skus"])
    reply = api.patch(f"/admin/v1/skus/{white}", {"price_fen": 25900}, token=key)
    assert reply.status == 200 and reply.body["price_fen"] == 25900
    assert Product.get(*Product.key(shop["shop_id"], created["id"]), consistent_read=True).min_price_fen == 19900
    assert api.get(f"/v1/products/{created['id']}", token=shopper["token"]).body["min_price_fen"] == 19900
    assert api.patch(f"/admin/v1/skus/{black}", {"spec": "曜石黑"}, token=key).body["spec"] == "曜石黑"
    duplicate = api.patch(f"/admin/v1/skus/{black}", {"spec": "白色"}, token=key)
    assert duplicate.status == 409 and duplicate.body["error"]["code"] == "duplicate_spec"
    assert api.patch(f"/admin/v1/skus/{black}", {}, token=key).status == 422
    assert api.patch(f"/admin/v1/skus/{black}", {"price_fen": 0}, token=key).body["error"]["field"] == "price_fen"
    assert api.patch("/admin/v1/skus/01ARZ3NDEKTSV4RRFFQ69G5FAV", {"price_fen": 5}, token=key).status == 404


# ---------------------------------------------------------------- lists and search

def listed(api, shopper, **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    reply = api.get(f"/v1/products?{qs}", token=shopper["token"])
    assert reply.status == 200, reply.body
    return [p["id"] for p in reply.body["items"]]


def search(api, shopper, q, **query):
    from urllib.parse import quote

    return listed(api, shopper, q=quote(q), **query)


def test_shopper_list_shows_shelf_with_sales_and_prices(api, key, shop, shopper):
    first = create(api, key, virtual_sales=30)
    second = create(api, key, title="Bluetooth Speaker", on_shelf=False)
    Sku(*Sku.key(shop["shop_id"], first["skus"][0]["id"])).update(actions=[Sku.sales.add(7)])
    reply = api.get("/v1/products", token=shopper["token"])
    assert reply.status == 200 and reply.body["next_cursor"] is None
    [item] = reply.body["items"]
    assert item["id"] == first["id"] and item["sales"] == 37 and item["min_price_fen"] == 17900
    assert item["images"] == ["https://img.example.com/a.jpg"] and item["in_stock"] is True
    assert "on_shelf" not in item
    assert {p["id"] for p in api.get("/admin/v1/products", token=key).body["items"]} == {first["id"], second["id"]}
    assert api.get(f"/v1/products/{second['id']}", token=shopper["token"]).status == 404
    assert api.get(f"/admin/v1/products/{second['id']}", token=key).status == 200


def test_lists_paginate_with_cursors_newest_first(api, key, shopper):
    ids = [create(api, key, title=f"Item {i}", skus=[{"spec": "x", "price_fen": 100, "stock": 1}])["id"]
           for i in range(5)]
    seen, cursor = [], None
    while True:
        path = "/v1/products?limit=2" + (f"&cursor={cursor}" if cursor else "")
        reply = api.get(path, token=shopper["token"])
        assert reply.status == 200 and len(reply.body["items"]) <= 2
        seen += [p["id"] for p in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))
    merchant_page = api.get("/admin/v1/products?limit=3", token=key)
    assert len(merchant_page.body["items"]) == 3 and merchant_page.body["next_cursor"]
    assert api.get("/v1/products?limit=0", token=shopper["token"]).body["error"]["field"] == "limit"
    assert len(api.get("/v1/products?limit=1000", token=shopper["token"]).body["items"]) == 5


def test_a_cursor_is_bound_to_its_list(api, key, shopper):
    for i in range(3):
        create(api, key, title=f"Lamp {i}")
    cursor = api.get("/v1/products?limit=1", token=shopper["token"]).body["next_cursor"]
    assert cursor
    other_list = api.get(f"/admin/v1/products?limit=1&cursor={cursor}", token=key)
    assert other_list.status == 400 and other_list.body["error"]["code"] == "invalid_cursor"
    other_search = api.get(f"/v1/products?q=lamp&cursor={cursor}", token=shopper["token"])
    assert other_search.status == 400
    search_cursor = api.get("/v1/products?q=lamp&limit=1", token=shopper["token"]).body["next_cursor"]
    assert api.get(f"/v1/products?q=lamp&limit=1&cursor={search_cursor}", token=shopper["token"]).status == 200
    assert api.get(f"/v1/products?q=zzz&cursor={search_cursor}", token=shopper["token"]).status == 400


def test_keyword_search_chinese_english_and_mixed(api, key, shopper):
    earbuds = create(api, key, title="无线蓝牙耳机 Pro")["id"]
    speaker = create(api, key, title="Bluetooth Speaker")["id"]
    headset = create(api, key, title="有线耳机 Max")["id"]
    hidden = create(api, key, title="蓝牙耳机 旧款", on_shelf=False)["id"]
    assert search(api, shopper, "蓝牙耳机") == [earbuds]
    assert search(api, shopper, "bluetooth") == [speaker]
    assert search(api, shopper, "BLUE") == [speaker]
    assert search(api, shopper, "耳机") == [headset, earbuds]
    assert search(api, shopper, "耳机 pro") == [earbuds]
    assert search(api, shopper, "耳机 max") == [headset]
    assert search(api, shopper, "音箱") == []
    assert search(api, shopper, "机") == [headset, earbuds]  # one character: filtered shelf
    assert search(api, shopper, "!!!") == []
    merchant = api.get("/admin/v1/products?q=%E8%93%9D%E7%89%99", token=key)  # 蓝牙
    assert [p["id"] for p in merchant.body["items"]] == [hidden, earbuds]
    too_long = api.get("/v1/products?q=" + "a" * 51, token=shopper["token"])
    assert too_long.status == 400 and too_long.body["error"]["field"] == "q"


def test_search_within_a_category_and_paginated(api, key, shopper):
    root = category(api, key, "数码")
    child = category(api, key, "耳机", root)
    other = category(api, key, "Home")
    in_child = [create(api, key, title=f"蓝牙耳机 {i}", category_id=child)["id"] for i in range(3)]
    create(api, key, title="蓝牙音箱", category_id=other)
    assert search(api, shopper, "蓝牙", category_id=root) == list(reversed(in_child))
    assert search(api, shopper, "蓝牙", category_id=other) != []
    pages, cursor = [], None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        from urllib.parse import quote

        reply = api.get("/v1/products?limit=2&q=" + quote("蓝牙耳机") + "".join(f"&{k}={v}" for k, v in extra.items()),
                        token=shopper["token"])
        assert reply.status == 200
        pages.append([p["id"] for p in reply.body["items"]])
        cursor = reply.body["next_cursor"]
        if not cursor:
            break
    assert [i for page in pages for i in page] == list(reversed(in_child)) and len(pages[0]) == 2


def test_unknown_category_filter_is_404(api, shopper):
    reply = api.get("/v1/products?category_id=01ARZ3NDEKTSV4RRFFQ69G5FAV", token=shopper["token"])
    assert reply.status == 404 and reply.body["error"]["code"] == "category_not_found"
