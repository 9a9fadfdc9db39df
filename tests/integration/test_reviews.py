"""Reviews: only received orders, one per line, https photos, merchant reply, product list."""
from tests.fakes.catalog import make_sku
from tests.integration.test_order_lifecycle import mark_paid, place


def received_order(api, shop, shopper, sku):
    order = place(api, shopper, sku)
    mark_paid(shop["shop_id"], order["id"])
    api.post(f"/admin/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_no": "SF123456"},
             token=shop["api_key"])
    return order


def test_review_once_per_received_line_then_reply(api, shop, shopper):
    sku = make_sku(shop["shop_id"])
    order = received_order(api, shop, shopper, sku)
    early = api.post(f"/v1/orders/{order['id']}/reviews", {"sku_id": sku, "rating": 5}, token=shopper["token"])
    assert early.status == 409 and early.body["error"]["code"] == "order_not_received"
    api.post(f"/v1/orders/{order['id']}/confirm-receipt", token=shopper["token"])
    body = {"sku_id": sku, "rating": 4, "text": "很好 good", "photos": ["https://img.example.com/a.jpg"]}
    first = api.post(f"/v1/orders/{order['id']}/reviews", body, token=shopper["token"])
    assert first.status == 201 and first.body["rating"] == 4
    again = api.post(f"/v1/orders/{order['id']}/reviews", body, token=shopper["token"])
    assert again.status == 409 and again.body["error"]["code"] == "already_reviewed"
    product_id = order["lines"][0]["product_id"]
    listed = api.get(f"/v1/products/{product_id}/reviews", token=shopper["token"]).body["items"]
    assert [r["id"] for r in listed] == [first.body["id"]] and "user_id" not in listed[0]
    replied = api.post(f"/admin/v1/reviews/{first.body['id']}/reply", {"text": "谢谢!"}, token=shop["api_key"])
    assert replied.status == 200 and replied.body["reply"] == "谢谢!"


def test_bad_reviews_are_refused(api, shop, shopper):
    sku, other = make_sku(shop["shop_id"]), make_sku(shop["shop_id"])
    order = received_order(api, shop, shopper, sku)
    api.post(f"/v1/orders/{order['id']}/confirm-receipt", token=shopper["token"])
    path = f"/v1/orders/{order['id']}/reviews"
    assert api.post(path, {"sku_id": other, "rating": 5}, token=shopper["token"]).status == 404
    assert api.post(path, {"sku_id": sku, "rating": 6}, token=shopper["token"]).body["error"]["field"] == "rating"
    http = api.post(path, {"sku_id": sku, "rating": 5, "photos": ["http://insecure/a.jpg"]}, token=shopper["token"])
    assert http.status == 422 and http.body["error"]["field"].startswith("photos")
    mallory = api.login(shop["shop_id"], "mallory")
    assert api.post(path, {"sku_id": sku, "rating": 1}, token=mallory["token"]).status == 404
    assert api.post("/admin/v1/reviews/01ARZ3NDEKTSV4RRFFQ69G5FAV/reply", {"text": "x"},
                    token=shop["api_key"]).status == 404
