"""Checkout over HTTP against DynamoDB Local: pricing stored, stock taken, idempotency, 4xx."""
import uuid

from crowdcart.db.models.orders import Order
from tests.fakes.catalog import make_sku, make_store, sku_stock

ADDRESS = {"name": "Li Lei", "phone": "13800138000", "province": "上海", "city": "上海", "district": "黄浦",
           "detail": "人民大道 1 号"}


def checkout(api, shopper, items, key=None, **extra):
    body = {"items": items, "delivery": {"type": "express", "address": ADDRESS}, **extra}
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return api.post("/v1/orders", body, token=shopper["token"], headers=headers)


def test_checkout_creates_a_pending_order_and_takes_stock(api, shop, shopper):
    api.put("/admin/v1/settings", {"shipping_fee_fen": 800, "free_shipping_over_fen": 10000}, token=shop["api_key"])
    sku = make_sku(shop["shop_id"], stock=5, price_fen=1999)
    reply = checkout(api, shopper, [{"sku_id": sku, "quantity": 2}])
    assert reply.status == 201, reply.body
    order = reply.body
    assert order["status"] == "pending_payment"
    assert (order["goods_fen"], order["discount_fen"], order["shipping_fen"], order["payable_fen"]) == (3998, 0, 800, 4798)
    assert order["pay_deadline_at"] > 0 and order["lines"][0]["quantity"] == 2
    assert sku_stock(shop["shop_id"], sku) == 3
    stored = Order.get(*Order.key(shop["shop_id"], order["id"]))
    assert stored.pricing["payable_fen"] == 4798 and stored.DUEPK == "DUE#pay_timeout"


def test_the_same_key_returns_the_same_order_once(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=5)
    first = checkout(api, shopper, [{"sku_id": sku, "quantity": 1}], key="k-1")
    again = checkout(api, shopper, [{"sku_id": sku, "quantity": 1}], key="k-1")
    assert first.status == again.status == 201
    assert first.body["id"] == again.body["id"] and again.headers["Idempotent-Replayed"] == "true"
    assert sku_stock(shop["shop_id"], sku) == 4
    reused = checkout(api, shopper, [{"sku_id": sku, "quantity": 2}], key="k-1")
    assert reused.status == 422 and reused.body["error"]["code"] == "idempotency_key_reused"


def test_the_same_key_from_another_shopper_is_another_order(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=5)
    other = api.login(shop["shop_id"], "zed")
    first = checkout(api, shopper, [{"sku_id": sku, "quantity": 1}], key="shared")
    second = checkout(api, other, [{"sku_id": sku, "quantity": 1}], key="shared")
    assert first.body["id"] != second.body["id"]


def test_not_enough_stock_is_409_naming_the_sku_and_writes_nothing(api, shop, shopper):
    plenty, scarce = make_sku(shop["shop_id"], stock=10), make_sku(shop["shop_id"], stock=1)
    reply = checkout(api, shopper, [{"sku_id": plenty, "quantity": 2}, {"sku_id": scarce, "quantity": 2}])
    assert reply.status == 409 and reply.body["error"]["code"] == "insufficient_stock"
    assert reply.body["error"]["sku_id"] == scarce
    assert sku_stock(shop["shop_id"], plenty) == 10 and sku_stock(shop["shop_id"], scarce) == 1
    assert list(Order.gsi1.query(f"SHOP#{shop['shop_id']}#USER#{shopper['user_id']}#ORDERS")) == []


def test_wrong_method_is_a_json_405(api):
    reply = api.request("DELETE", "/v1/orders")
    assert reply.status == 405 and reply.body["error"]["code"] == "method_not_allowed"


def test_bad_checkouts_are_4xx(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=10)
    off = make_sku(shop["shop_id"], stock=10, on_shelf=False)
    missing = api.post("/v1/orders", {"items": [{"sku_id": sku, "quantity": 1}],
                                      "delivery": {"type": "express", "address": ADDRESS}}, token=shopper["token"])
    assert missing.status == 400 and missing.body["error"]["code"] == "idempotency_key_required"
    zero = checkout(api, shopper, [{"sku_id": sku, "quantity": 0}])
    assert zero.status == 422 and zero.body["error"]["field"] == "items.0.quantity"
    huge = checkout(api, shopper, [{"sku_id": sku, "quantity": 100000}])
    assert huge.status == 422
    summed = checkout(api, shopper, [{"sku_id": sku, "quantity": 60}, {"sku_id": sku, "quantity": 60}])
    assert summed.status == 422 and summed.body["error"]["code"] == "quantity_too_large"
    unknown = checkout(api, shopper, [{"sku_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "quantity": 1}])
    assert unknown.status == 404 and unknown.body["error"]["code"] == "sku_not_found"
    shelved = checkout(api, shopper, [{"sku_id": off, "quantity": 1}])
    assert shelved.status == 409 and shelved.body["error"]["code"] == "sku_off_shelf"
    no_address = api.post("/v1/orders", {"items": [{"sku_id": sku, "quantity": 1}], "delivery": {"type": "express"}},
                          token=shopper["token"], headers={"Idempotency-Key": "x"})
    assert no_address.status == 422 and no_address.body["error"]["field"] == "delivery"
    priced = checkout(api, shopper, [{"sku_id": sku, "quantity": 1}], payable_fen=1)
    assert priced.status == 422 and priced.body["error"]["field"] == "payable_fen"
    merchant = api.post("/v1/orders", {}, token=shop["api_key"])
    assert merchant.status == 403
    assert sku_stock(shop["shop_id"], sku) == 10


def test_pickup_needs_an_active_pickup_store_of_the_same_shop(api, shop, shopper, platform_key):
    sku = make_sku(shop["shop_id"], stock=10)
    store = make_store(shop["shop_id"])
    closed = make_store(shop["shop_id"], pickup_enabled=False)
    other_shop = api.post("/admin/v1/shops", {"name": "B"}, token=platform_key).body
    foreign = make_store(other_shop["shop_id"])

    def pickup(store_id):
        return api.post("/v1/orders", {"items": [{"sku_id": sku, "quantity": 1}],
                                       "delivery": {"type": "pickup", "store_id": store_id}},
                        token=shopper["token"], headers={"Idempotency-Key": str(uuid.uuid4())})

    ok = pickup(store)
    assert ok.status == 201 and ok.body["shipping_fen"] == 0 and ok.body["delivery"]["store_id"] == store
    assert "pickup_code" not in ok.body  # shown only once paid
    assert pickup(closed).body["error"]["code"] == "pickup_unavailable"
    assert pickup(foreign).status == 404
