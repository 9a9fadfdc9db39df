"""Group buying over HTTP against the local runner (`make run`): its state-machine engine runs the group timer,
the WeChat Pay sandbox pays and refunds through the real webhook."""
import time
import uuid

import pytest

ADDRESS = {"name": "韩梅梅", "phone": "13900139000", "province": "上海", "city": "上海", "detail": "南京东路 100 号"}
SEAT = {"delivery": {"type": "express", "address": ADDRESS}}


def _login(server, shop_id, name):
    status, body = server.call("POST", "/v1/auth/login", {"shop_id": shop_id, "code": f"{name}#{time.time_ns()}"})
    assert status == 200, body
    return body["token"]


def _activity(server, merchant, token, **fields):
    status, products = server.call("GET", "/v1/products?limit=50", token=token)
    for product in products["items"]:
        status, detail = server.call("GET", f"/v1/products/{product['id']}", token=token)
        sku = next((s for s in detail["skus"] if s["stock"] >= 5 and s["price_fen"] >= 2), None)
        if sku:
            break
    body = {"sku_id": sku["id"], "group_price_fen": sku["price_fen"] // 2, "group_size": 2, "kind": "normal"}
    body.update(fields)
    status, created = server.call("POST", "/admin/v1/group-buys", body, token=merchant)
    assert status == 201, created
    return created["id"]


def _seat(server, path, token):
    status, body = server.call("POST", path, SEAT, token=token, extra_headers={"Idempotency-Key": str(uuid.uuid4())})
    assert status == 201, body
    return body


def _pay(server, order_id, token):
    status, body = server.call("POST", f"/sandbox/wechatpay/orders/{order_id}/pay", {}, token=token)
    assert status == 200, body
    return body


def _until(check, timeout=60):
    deadline = time.monotonic() + timeout
    value = check()
    while not value and time.monotonic() < deadline:
        time.sleep(0.5)
        value = check()
    return value


@pytest.mark.e2e
def test_open_join_pay_formed(server):
    shop_id, merchant = server.banner_value("Demo shop id"), server.banner_value("Demo merchant")
    leader, friend = _login(server, shop_id, "gb-leader"), _login(server, shop_id, "gb-friend")
    activity = _activity(server, merchant, leader, duration_seconds=120)
    opened = _seat(server, f"/v1/group-buys/{activity}/groups", leader)
    status, page = server.call("GET", f"/v1/group-buys/{activity}", token=friend)
    assert opened["group_id"] in [g["id"] for g in page["open_groups"]]
    joined = _seat(server, f"/v1/groups/{opened['group_id']}/join", friend)
    _pay(server, opened["order_id"], leader)
    _pay(server, joined["order_id"], friend)
    status, card = server.call("GET", f"/v1/groups/{opened['group_id']}", token=friend)
    assert status == 200 and card["status"] == "formed" and card["seats_left"] == 0 and len(card["members"]) == 2
    status, order = server.call("GET", f"/v1/orders/{joined['order_id']}", token=friend)
    assert order["status"] == "paid" and order["activity"]["ship_ready"] is True
    templates = _until(lambda: {"group_formed", "group_joined"} <= {
        n["template"] for n in server.call("GET", "/v1/me/notifications", token=friend)[1]["items"]})
    assert templates


@pytest.mark.e2e
def test_a_group_that_does_not_form_fails_and_refunds_through_the_sandbox(server):
    shop_id, merchant = server.banner_value("Demo shop id"), server.banner_value("Demo merchant")
    leader = _login(server, shop_id, "gb-alone")
    activity = _activity(server, merchant, leader, duration_seconds=4, group_size=3)
    opened = _seat(server, f"/v1/group-buys/{activity}/groups", leader)
    paid = _pay(server, opened["order_id"], leader)
    assert paid["order"]["status"] == "paid", paid
    status, card = server.call("GET", f"/v1/groups/{opened['group_id']}", token=leader)
    assert card["status"] == "open" and 0 < card["seconds_left"] <= 4

    failed = _until(lambda: server.call("GET", f"/v1/groups/{opened['group_id']}", token=leader)[1]["status"]
                    == "failed")
    assert failed, "the runner's timer did not settle the group"
    refunded = _until(lambda: server.call("GET", f"/v1/orders/{opened['order_id']}", token=leader)[1]["status"]
                      == "refunded")
    assert refunded
    status, order = server.call("GET", f"/v1/orders/{opened['order_id']}", token=leader)
    assert order["refunded_fen"] == order["payable_fen"]
    status, view = server.call("GET", f"/admin/v1/groups/{opened['group_id']}", token=merchant)
    assert view["members"][0]["refund_status"] == "succeeded" and view["settled_at"]
    assert _until(lambda: "group_failed_refunded" in {
        n["template"] for n in server.call("GET", "/v1/me/notifications", token=leader)[1]["items"]})
