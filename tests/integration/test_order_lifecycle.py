"""The order lifecycle over HTTP and through the sweepers, against DynamoDB Local."""
import uuid

from crowdcart.clock import now
from crowdcart.db.models.orders import Order
from crowdcart.db.orders import clear_due, get_order, transition
from crowdcart.domain import order_states as states
from functions.orders import service
from tests.fakes.catalog import make_sku, make_store, sku_stock

ADDRESS = {"name": "Li Lei", "phone": "13800138000", "province": "上海", "city": "上海", "detail": "人民大道 1 号"}


def place(api, shopper, sku, quantity=1, delivery=None):
    reply = api.post("/v1/orders", {"items": [{"sku_id": sku, "quantity": quantity}],
                                    "delivery": delivery or {"type": "express", "address": ADDRESS}},
                     token=shopper["token"], headers={"Idempotency-Key": str(uuid.uuid4())})
    assert reply.status == 201, reply.body
    return reply.body


def mark_paid(shop_id, order_id):
    """Stand-in for the payment webhook: the same conditional transition it applies."""
    order = get_order(shop_id, order_id)
    transition(order, [states.PENDING_PAYMENT], states.PAID, "test", actions=[Order.paid_at.set(now())] + clear_due())


def test_ship_then_confirm_receipt_with_history(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=3)
    order = place(api, shopper, sku)
    early = api.post(f"/admin/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_no": "SF123456"},
                     token=shop["api_key"])
    assert early.status == 409 and early.body["error"]["code"] == "order_state"
    mark_paid(shop["shop_id"], order["id"])
    shipped = api.post(f"/admin/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_no": "SF123456"},
                       token=shop["api_key"])
    assert shipped.status == 200 and shipped.body["status"] == "shipped"
    assert shipped.body["receive_deadline_at"] > now()
    received = api.post(f"/v1/orders/{order['id']}/confirm-receipt", token=shopper["token"])
    assert received.status == 200 and received.body["status"] == "received"
    again = api.post(f"/v1/orders/{order['id']}/confirm-receipt", token=shopper["token"])
    assert again.status == 409
    detail = api.get(f"/v1/orders/{order['id']}", token=shopper["token"]).body
    assert [e["to"] for e in detail["events"]] == ["pending_payment", "paid", "shipped", "received"]


def test_shopper_cancels_unpaid_order_and_stock_returns(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=5)
    order = place(api, shopper, sku, quantity=3)
    assert sku_stock(shop["shop_id"], sku) == 2
    cancelled = api.post(f"/v1/orders/{order['id']}/cancel", token=shopper["token"])
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled"
    assert sku_stock(shop["shop_id"], sku) == 5
    assert api.post(f"/v1/orders/{order['id']}/cancel", token=shopper["token"]).status == 409
    assert sku_stock(shop["shop_id"], sku) == 5


def test_another_shoppers_order_is_404(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=5)
    order = place(api, shopper, sku)
    mallory = api.login(shop["shop_id"], "mallory")
    for call in (lambda: api.get(f"/v1/orders/{order['id']}", token=mallory["token"]),
                 lambda: api.post(f"/v1/orders/{order['id']}/cancel", token=mallory["token"]),
                 lambda: api.post(f"/v1/orders/{order['id']}/confirm-receipt", token=mallory["token"])):
        reply = call()
        assert reply.status == 404 and reply.body["error"]["code"] == "order_not_found"
    assert api.get("/v1/orders", token=mallory["token"]).body["items"] == []


def test_lists_filter_by_status_and_paginate(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=20)
    ids = [place(api, shopper, sku)["id"] for _ in range(5)]
    mark_paid(shop["shop_id"], ids[0])
    mine = api.get("/v1/orders?limit=2", token=shopper["token"])
    assert len(mine.body["items"]) == 2 and mine.body["next_cursor"]
    rest = api.get(f"/v1/orders?limit=10&cursor={mine.body['next_cursor']}", token=shopper["token"])
    assert {o["id"] for o in mine.body["items"] + rest.body["items"]} == set(ids)
    paid = api.get("/admin/v1/orders?status=paid", token=shop["api_key"])
    assert [o["id"] for o in paid.body["items"]] == [ids[0]]
    pending = api.get("/v1/orders?status=pending_payment&limit=50", token=shopper["token"])
    assert {o["id"] for o in pending.body["items"]} == set(ids[1:])
    bad = api.get("/v1/orders?status=lost", token=shopper["token"])
    assert bad.status == 400 and bad.body["error"]["field"] == "status"
    assert api.get("/v1/orders?cursor=forged", token=shopper["token"]).status == 400


def _pages(api, path, token, limit=2):
    """Every item id of a list, page by page."""
    items, cursor = [], None
    while True:
        sep = "&" if "?" in path else "?"
        reply = api.get(f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else ""), token=token)
        assert reply.status == 200, reply.body
        items += [o["id"] for o in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if not cursor:
            return items


def test_order_lists_are_newest_first_across_pages(api, shop, shopper, monkeypatch):
    """Order ids derive from a hash of the Idempotency-Key: lists sort by creation time, the id breaks ties."""
    from crowdcart.purchase import checkout

    sku, start = make_sku(shop["shop_id"], stock=20), now()
    placed = []
    for i in range(7):
        monkeypatch.setattr(checkout, "now", lambda i=i: start + 10 * i - (i % 2) * 10)  # two pairs share a second
        placed.append((start + 10 * i - (i % 2) * 10, place(api, shopper, sku)["id"]))
    newest_first = [oid for _, oid in sorted(placed, key=lambda p: (p[0], p[1]), reverse=True)]
    for oid in newest_first[:3]:
        mark_paid(shop["shop_id"], oid)
    assert _pages(api, "/v1/orders", shopper["token"]) == newest_first
    assert _pages(api, "/admin/v1/orders", shop["api_key"]) == newest_first
    assert _pages(api, "/admin/v1/orders?status=paid", shop["api_key"]) == newest_first[:3]
    assert _pages(api, "/v1/orders?status=pending_payment", shopper["token"]) == newest_first[3:]


def test_pickup_code_is_shown_once_paid_and_verified_once(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=5)
    store = make_store(shop["shop_id"])
    order = place(api, shopper, sku, delivery={"type": "pickup", "store_id": store})
    assert "pickup_code" not in api.get(f"/v1/orders/{order['id']}", token=shopper["token"]).body
    mark_paid(shop["shop_id"], order["id"])
    code = api.get(f"/v1/orders/{order['id']}", token=shopper["token"]).body["pickup_code"]
    assert api.post(f"/admin/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_no": "SF1234"},
                    token=shop["api_key"]).body["error"]["code"] == "pickup_order"
    first = api.post("/admin/v1/pickups/verify", {"code": code}, token=shop["api_key"])
    assert first.status == 200 and first.body["status"] == "received"
    second = api.post("/admin/v1/pickups/verify", {"code": code}, token=shop["api_key"])
    assert second.status == 409 and second.body["error"]["code"] == "pickup_code_used"
    wrong = api.post("/admin/v1/pickups/verify", {"code": "00000000"}, token=shop["api_key"])
    assert wrong.status == 404


def test_pay_timeout_sweeper_cancels_only_due_orders_once(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=10)
    order = place(api, shopper, sku, quantity=4)
    stored = get_order(shop["shop_id"], order["id"])
    before = service.sweep_pay_timeouts(moment=stored.pay_deadline_at - 1, limit=1000)
    assert get_order(shop["shop_id"], order["id"], consistent=True).status == "pending_payment"
    later = stored.pay_deadline_at + 1
    service.sweep_pay_timeouts(moment=later, limit=1000)
    assert get_order(shop["shop_id"], order["id"], consistent=True).status == "cancelled"
    assert sku_stock(shop["shop_id"], sku) == 10
    service.sweep_pay_timeouts(moment=later, limit=1000)  # a second sweep finds nothing to do
    assert sku_stock(shop["shop_id"], sku) == 10
    assert before["done"] >= 0


def test_auto_receive_and_auto_complete_sweepers(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=10)
    order = place(api, shopper, sku)
    mark_paid(shop["shop_id"], order["id"])
    api.post(f"/admin/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_no": "SF123456"},
             token=shop["api_key"])
    deadline = get_order(shop["shop_id"], order["id"], consistent=True).receive_deadline_at
    service.sweep_auto_receive(moment=deadline + 1, limit=1000)
    received = get_order(shop["shop_id"], order["id"], consistent=True)
    assert received.status == "received"
    service.sweep_auto_complete(moment=now() + 8 * 86400, limit=1000)
    assert get_order(shop["shop_id"], order["id"], consistent=True).status == "completed"


def test_an_order_on_hold_for_its_group_cannot_ship_or_be_picked_up(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=5)
    order = place(api, shopper, sku)
    mark_paid(shop["shop_id"], order["id"])
    Order(*Order.key(shop["shop_id"], order["id"])).update(actions=[Order.ship_hold.set(True)])
    held = api.post(f"/admin/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_no": "SF123456"},
                    token=shop["api_key"])
    assert held.status == 409 and held.body["error"]["code"] == "not_ready_to_ship"
    Order(*Order.key(shop["shop_id"], order["id"])).update(actions=[Order.ship_hold.remove()])
    assert api.post(f"/admin/v1/orders/{order['id']}/ship", {"carrier": "SF", "tracking_no": "SF123456"},
                    token=shop["api_key"]).status == 200


def test_one_failing_order_never_stops_the_sweeper(api, shop, shopper, monkeypatch):
    sku = make_sku(shop["shop_id"], stock=10)
    first, second = place(api, shopper, sku), place(api, shopper, sku)
    real = service.cancel_unpaid

    def broken_for_first(order, *args, **kwargs):
        if order.order_id == first["id"]:
            raise RuntimeError("simulated outage on one order")
        return real(order, *args, **kwargs)

    monkeypatch.setattr(service, "cancel_unpaid", broken_for_first)
    deadline = get_order(shop["shop_id"], second["id"]).pay_deadline_at + 1
    result = service.sweep_pay_timeouts(moment=deadline, limit=100_000)
    assert result["failed"] >= 1
    assert get_order(shop["shop_id"], second["id"], consistent=True).status == "cancelled"
    assert get_order(shop["shop_id"], first["id"], consistent=True).status == "pending_payment"
