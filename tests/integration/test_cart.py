"""The cart over HTTP: upsert, remove, live availability, line limit (held by a counter)."""
from tests.concurrency.conftest import race
from tests.fakes.catalog import make_sku


def test_cart_lines_totals_and_removal(api, shop, shopper):
    a = make_sku(shop["shop_id"], stock=5, price_fen=1200)
    b = make_sku(shop["shop_id"], stock=1, price_fen=500)
    assert api.put(f"/v1/cart/items/{a}", {"quantity": 2}, token=shopper["token"]).status == 200
    cart = api.put(f"/v1/cart/items/{b}", {"quantity": 3}, token=shopper["token"]).body
    lines = {line["sku_id"]: line for line in cart["items"]}
    assert lines[a]["available"] and not lines[b]["available"]  # only 1 of b in stock
    assert cart["goods_fen"] == 2400 and cart["line_count"] == 2
    updated = api.put(f"/v1/cart/items/{b}", {"quantity": 1}, token=shopper["token"]).body
    assert updated["goods_fen"] == 2900 and updated["line_count"] == 2
    removed = api.delete(f"/v1/cart/items/{a}", token=shopper["token"])
    assert removed.status == 200 and [l["sku_id"] for l in removed.body["items"]] == [b]
    assert api.delete(f"/v1/cart/items/{a}", token=shopper["token"]).status == 404


def test_cart_refuses_unknown_off_shelf_and_bad_quantities(api, shop, shopper):
    off = make_sku(shop["shop_id"], on_shelf=False)
    assert api.put("/v1/cart/items/01ARZ3NDEKTSV4RRFFQ69G5FAV", {"quantity": 1}, token=shopper["token"]).status == 404
    assert api.put(f"/v1/cart/items/{off}", {"quantity": 1}, token=shopper["token"]).status == 409
    ok = make_sku(shop["shop_id"])
    reply = api.put(f"/v1/cart/items/{ok}", {"quantity": 0}, token=shopper["token"])
    assert reply.status == 422 and reply.body["error"]["field"] == "quantity"


def test_line_limit_holds_under_concurrent_adds(api, shop, shopper):
    api.put("/admin/v1/settings", {"cart_line_limit": 3}, token=shop["api_key"])
    skus = [make_sku(shop["shop_id"]) for _ in range(8)]
    from functions.cart.service import set_quantity

    results = race([lambda s=s: set_quantity(shop["shop_id"], shopper["user_id"], s, 1) for s in skus])
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(refused) == 5 and all(getattr(r, "code", "") == "cart_full" for r in refused)
    assert api.get("/v1/cart", token=shopper["token"]).body["line_count"] == 3
