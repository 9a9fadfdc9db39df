"""A shopper's whole journey over HTTP against the local runner, paid through the WeChat Pay sandbox:
login → cart → checkout → pay → paid → ship → confirm receipt → review; then the merchant sees it all."""
import time
import uuid

import pytest

ADDRESS = {"name": "韩梅梅", "phone": "13900139000", "province": "上海", "city": "上海", "detail": "南京东路 100 号"}


@pytest.mark.e2e
def test_login_cart_checkout_pay_ship_receive_review(server):
    shop_id, merchant = server.banner_value("Demo shop id"), server.banner_value("Demo merchant")
    status, login = server.call("POST", "/v1/auth/login", {"shop_id": shop_id, "code": f"journey#{time.time_ns()}"})
    assert status == 200, login
    token = login["token"]

    status, products = server.call("GET", "/v1/products?limit=50", token=token)
    product = next(p for p in products["items"])
    status, detail = server.call("GET", f"/v1/products/{product['id']}", token=token)
    sku = next(s for s in detail["skus"] if s["stock"] >= 2)
    status, cart = server.call("PUT", f"/v1/cart/items/{sku['id']}", {"quantity": 2}, token=token)
    assert status == 200 and cart["goods_fen"] == 2 * sku["price_fen"], cart

    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"items": [{"sku_id": line["sku_id"], "quantity": line["quantity"]} for line in cart["items"]],
            "delivery": {"type": "express", "address": ADDRESS}}
    status, order = server.call("POST", "/v1/orders", body, token=token, extra_headers=key)
    assert status == 201 and order["status"] == "pending_payment", order
    status, again = server.call("POST", "/v1/orders", body, token=token, extra_headers=key)
    assert status == 201 and again["id"] == order["id"]

    status, prepay = server.call("POST", f"/v1/orders/{order['id']}/pay", {}, token=token)
    assert status == 200 and prepay["prepay"]["package"].startswith("prepay_id="), prepay
    status, paid = server.call("POST", f"/sandbox/wechatpay/orders/{order['id']}/pay", {}, token=token)
    assert status == 200, paid
    status, seen = server.call("GET", f"/v1/orders/{order['id']}", token=token)
    assert seen["status"] == "paid" and seen["paid_at"]

    status, shipped = server.call("POST", f"/admin/v1/orders/{order['id']}/ship",
                                  {"carrier": "SF", "tracking_no": "SF1234567890"}, token=merchant)
    assert status == 200 and shipped["status"] == "shipped", shipped
    status, received = server.call("POST", f"/v1/orders/{order['id']}/confirm-receipt", token=token)
    assert status == 200 and received["status"] == "received"
    status, review = server.call("POST", f"/v1/orders/{order['id']}/reviews",
                                 {"sku_id": sku["id"], "rating": 5, "text": "物流很快"}, token=token)
    assert status == 201, review

    status, history = server.call("GET", f"/admin/v1/orders/{order['id']}", token=merchant)
    assert [e["to"] for e in history["events"]] == ["pending_payment", "paid", "shipped", "received"]
    status, reviews = server.call("GET", f"/v1/products/{product['id']}/reviews", token=token)
    assert review["id"] in [r["id"] for r in reviews["items"]]
    deadline = time.monotonic() + 60  # the runner's stream poller turns the changes into notifications
    templates = []
    while time.monotonic() < deadline and not {"order_paid", "order_shipped", "order_received"} <= set(templates):
        templates = [n["template"] for n in server.call("GET", "/v1/me/notifications", token=token)[1]["items"]]
        time.sleep(0.5)
    assert {"order_paid", "order_shipped", "order_received"} <= set(templates)
