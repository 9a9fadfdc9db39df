"""`python -m local.runner` over real HTTP: claim a coupon → checkout with the coupon and points → pay through the
WeChat Pay sandbox (a signed, encrypted callback to our webhook) → ship → confirm receipt → the runner's own
stream poller credits the points and raises the member level; a second receipt changes nothing."""
import json
import time
import urllib.error
import urllib.request
import uuid
from typing import Any, Dict, Optional, Tuple

import pytest

from tests.e2e.test_local_runner import Runner, runners  # noqa: F401 - the fixture stops what the test starts

ADDRESS = {"name": "Li Lei", "phone": "13800138000", "province": "上海", "city": "上海",
           "detail": "人民大道 1 号"}
LEVELS = [{"level": 1, "name": "银卡", "min_spent_fen": 10000, "discount_percent": 5,
           "points_multiplier_percent": 150}]


def call(runner: Runner, method: str, path: str, body: Any = None, token: Optional[str] = None,
         headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
    """One HTTP request to the runner; (status, parsed JSON)."""
    sent = {"Content-Type": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{runner.port}{path}", data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def ok(reply: Tuple[int, Any], status: int = 200) -> Any:
    assert reply[0] == status, reply
    return reply[1]


def eventually(check, timeout: float = 60.0) -> Any:
    """Poll `check()` until it returns something truthy (the stream poller runs every 0.5 s)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


@pytest.mark.e2e
def test_claim_checkout_pay_receive_credits_points_and_levels_up(runners, tmp_path):  # noqa: F811
    runner = Runner(tmp_path)
    runners.append(runner)
    runner.wait_ready()
    platform_key = runner.banner_value("Platform key")
    shop = ok(call(runner, "POST", "/admin/v1/shops", {"name": "Rewards e2e"}, platform_key), 201)
    merchant, shop_id = shop["api_key"], shop["shop_id"]
    ok(call(runner, "PUT", "/admin/v1/settings", {
        "member_levels": LEVELS, "points_per_yuan": 1, "points_per_yuan_cash": 100, "points_cash_percent_cap": 50,
        "check_in_points": 500}, merchant))
    product = ok(call(runner, "POST", "/admin/v1/products", {
        "title": "明前龙井 250g", "skus": [{"spec": "250g", "price_fen": 15000, "stock": 20}]}, merchant), 201)
    sku_id = product["skus"][0]["id"]
    template = ok(call(runner, "POST", "/admin/v1/coupon-templates", {
        "name": "满100减20", "kind": "amount_off", "amount_off_fen": 2000, "min_spend_fen": 10000, "quota": 10,
        "per_user_limit": 1, "valid_days_after_claim": 7}, merchant), 201)

    login = ok(call(runner, "POST", "/v1/auth/login", {"shop_id": shop_id, "code": f"rewards#{uuid.uuid4()}"}))
    token = login["token"]
    assert ok(call(runner, "POST", "/v1/me/check-ins", token=token), 201)["balance"] == 500
    center = ok(call(runner, "GET", "/v1/coupons/center", token=token))["items"]
    assert [(t["id"], t["claimed_label"]) for t in center] == [(template["id"], "0/1")]
    coupon_id = ok(call(runner, "POST", f"/v1/coupon-templates/{template['id']}/claim", token=token), 201)["coupon_id"]

    order = ok(call(runner, "POST", "/v1/orders", {
        "items": [{"sku_id": sku_id, "quantity": 1}], "coupon_id": coupon_id, "points_to_use": 500,
        "delivery": {"type": "express", "address": ADDRESS}}, token, {"Idempotency-Key": str(uuid.uuid4())}), 201)
    assert (order["goods_fen"], order["discount_fen"], order["payable_fen"], order["points_used"]) == (
        15000, 2500, 12500, 500)
    assert ok(call(runner, "GET", "/v1/me/points", token=token))["balance"] == 0
    paid = ok(call(runner, "POST", f"/sandbox/wechatpay/orders/{order['id']}/pay", {}, token))
    assert paid["notification"] == {"status": 204, "outcome": "paid"} and paid["order"]["status"] == "paid"
    ok(call(runner, "POST", f"/admin/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_no": "SF1234567"},
            merchant))
    assert ok(call(runner, "POST", f"/v1/orders/{order['id']}/confirm-receipt", token=token))["status"] == "received"

    def credited():
        points = ok(call(runner, "GET", "/v1/me/points", token=token))
        return points if any(e["cause"] == f"order:{order['id']}:earn" for e in points["ledger"]) else None

    points = eventually(credited)
    assert points, "the runner's stream poller credits the received order"
    assert points["balance"] == 125  # 125.00 yuan paid × 1 point per yuan, at the base level
    membership = eventually(lambda: (lambda m: m if m["level"] == 1 else None)(
        ok(call(runner, "GET", "/v1/me/membership", token=token))))
    assert membership and membership["total_spent_fen"] == 12500 and membership["discount_percent"] == 5
    assert ok(call(runner, "GET", "/v1/me/coupons?status=used", token=token))["items"][0]["id"] == coupon_id
    assert call(runner, "POST", f"/v1/orders/{order['id']}/confirm-receipt", token=token)[0] == 409
    time.sleep(1.5)  # a few more poller rounds: nothing is credited twice
    assert ok(call(runner, "GET", "/v1/me/points", token=token))["balance"] == 125
    runner.children = []
    assert runner.interrupt() == 0
