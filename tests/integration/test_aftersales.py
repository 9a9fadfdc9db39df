"""After-sales over HTTP with the WeChat Pay sandbox: request, approve (refund), reject, partial refunds."""
import pytest

from tests.fakes.catalog import make_sku, sku_stock
from tests.fakes.orders import wechat_sandbox  # noqa: F401 - fixture
from tests.integration.test_order_lifecycle import place


@pytest.fixture
def paid_order(api, shop, shopper, wechat_sandbox):  # noqa: F811
    def make(quantity=2, stock=10, price_fen=1000):
        sku = make_sku(shop["shop_id"], stock=stock, price_fen=price_fen)
        order = place(api, shopper, sku, quantity=quantity)
        paid = api.post(f"/sandbox/wechatpay/orders/{order['id']}/pay", {}, token=shopper["token"])
        assert paid.status == 200, paid.body
        assert api.get(f"/v1/orders/{order['id']}", token=shopper["token"]).body["status"] == "paid"
        return order, sku
    return make


def test_whole_refund_before_shipping_restocks(api, shop, shopper, paid_order):
    order, sku = paid_order(quantity=2, stock=10)
    assert sku_stock(shop["shop_id"], sku) == 8
    asked = api.post(f"/v1/orders/{order['id']}/refund-requests", {"reason": "changed my mind"},
                     token=shopper["token"])
    assert asked.status == 201 and asked.body["amount_fen"] == order["payable_fen"]
    again = api.post(f"/v1/orders/{order['id']}/refund-requests", {"reason": "again"}, token=shopper["token"])
    assert again.status == 409 and again.body["error"]["code"] == "after_sale_open"
    waiting = api.get("/admin/v1/refund-requests", token=shop["api_key"]).body["items"]
    assert [r["id"] for r in waiting] == [asked.body["id"]]
    approved = api.post(f"/admin/v1/refund-requests/{asked.body['id']}/approve", {}, token=shop["api_key"])
    assert approved.status == 200 and approved.body["status"] == "approved" and approved.body["out_refund_no"]
    final = api.get(f"/v1/orders/{order['id']}", token=shopper["token"]).body
    assert final["status"] == "refunded" and final["refunded_fen"] == order["payable_fen"]
    assert sku_stock(shop["shop_id"], sku) == 10
    twice = api.post(f"/admin/v1/refund-requests/{asked.body['id']}/approve", {}, token=shop["api_key"])
    assert twice.status == 409


def test_partial_refund_after_shipping_keeps_the_order_and_stock(api, shop, shopper, paid_order):
    order, sku = paid_order(quantity=3, stock=10, price_fen=1000)
    api.post(f"/admin/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_no": "SF123456"},
             token=shop["api_key"])
    asked = api.post(f"/v1/orders/{order['id']}/refund-requests",
                     {"reason": "one was broken", "lines": [{"sku_id": sku, "quantity": 1}],
                      "photos": ["https://img.example.com/broken.jpg"]}, token=shopper["token"])
    assert asked.status == 201 and asked.body["amount_fen"] == 1000
    api.post(f"/admin/v1/refund-requests/{asked.body['id']}/approve", {}, token=shop["api_key"])
    final = api.get(f"/v1/orders/{order['id']}", token=shopper["token"]).body
    assert final["status"] == "shipped" and final["refunded_fen"] == 1000
    assert sku_stock(shop["shop_id"], sku) == 7
    listed = api.get(f"/v1/orders/{order['id']}/refund-requests", token=shopper["token"]).body["items"]
    assert [r["status"] for r in listed] == ["approved"]


def test_reject_frees_the_order_for_another_request(api, shop, shopper, paid_order):
    order, _ = paid_order()
    first = api.post(f"/v1/orders/{order['id']}/refund-requests", {"reason": "x"}, token=shopper["token"]).body
    rejected = api.post(f"/admin/v1/refund-requests/{first['id']}/reject", {"note": "used"}, token=shop["api_key"])
    assert rejected.status == 200 and rejected.body["status"] == "rejected"
    assert api.get(f"/v1/orders/{order['id']}", token=shopper["token"]).body["status"] == "paid"
    second = api.post(f"/v1/orders/{order['id']}/refund-requests", {"reason": "y"}, token=shopper["token"])
    assert second.status == 201


def test_bad_requests(api, shop, shopper, paid_order):
    order, sku = paid_order(quantity=1)
    path = f"/v1/orders/{order['id']}/refund-requests"
    too_many = api.post(path, {"reason": "x", "lines": [{"sku_id": sku, "quantity": 5}]}, token=shopper["token"])
    assert too_many.status == 422 and too_many.body["error"]["field"] == "lines"
    stranger = api.login(shop["shop_id"], "mallory")
    assert api.post(path, {"reason": "x"}, token=stranger["token"]).status == 404
    unpaid = place(api, shopper, make_sku(shop["shop_id"]))
    closed = api.post(f"/v1/orders/{unpaid['id']}/refund-requests", {"reason": "x"}, token=shopper["token"])
    assert closed.status == 409 and closed.body["error"]["code"] == "after_sales_closed"
    viewer = api.post("/admin/v1/staff-keys", {"role": "viewer"}, token=shop["api_key"]).body["api_key"]
    asked = api.post(path, {"reason": "x"}, token=shopper["token"]).body
    assert api.post(f"/admin/v1/refund-requests/{asked['id']}/approve", {}, token=viewer).status == 403
    assert api.post("/admin/v1/refund-requests/01ARZ3NDEKTSV4RRFFQ69G5FAV/approve", {},
                    token=shop["api_key"]).status == 404


def test_refund_request_queues_are_newest_first_across_pages(api, shop, shopper, paid_order, monkeypatch):
    """The queue sorted by order id (a hash); it sorts by the request's time, newest first."""
    from functions.aftersales import service
    from tests.integration.test_order_lifecycle import _pages

    start, asked = service.now(), []
    for i in range(5):
        order, _ = paid_order(quantity=1)
        monkeypatch.setattr(service, "now", lambda i=i: start + 60 * i)
        reply = api.post(f"/v1/orders/{order['id']}/refund-requests", {"reason": "x"}, token=shopper["token"])
        assert reply.status == 201, reply.body
        asked.append(reply.body["id"])
        if i == 2:  # one order with two requests: the first is rejected, the second waits
            api.post(f"/admin/v1/refund-requests/{reply.body['id']}/reject", {"note": "no"}, token=shop["api_key"])
            monkeypatch.setattr(service, "now", lambda i=i: start + 60 * i + 1)
            again = api.post(f"/v1/orders/{order['id']}/refund-requests", {"reason": "y"}, token=shopper["token"])
            assert again.status == 201, again.body
            asked.append(again.body["id"])
            mine = api.get(f"/v1/orders/{order['id']}/refund-requests", token=shopper["token"]).body["items"]
            assert [r["id"] for r in mine] == [again.body["id"], reply.body["id"]]
    waiting = [a for a in asked if a != asked[2]]
    assert _pages(api, "/admin/v1/refund-requests", shop["api_key"]) == waiting[::-1]
