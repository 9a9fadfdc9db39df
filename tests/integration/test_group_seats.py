"""Seats, payments and the rules of group buys, against DynamoDB Local (no timer engine in this module:
the timer's steps are called directly where a test needs them)."""
import time

import pytest

from crowdcart.db.orders import cancel_unpaid, get_order
from crowdcart.payments.refunds import refunds_of
from functions.groupbuy import timer
from tests.fakes.catalog import make_sku, sku_stock
from tests.fakes.orders import wechat_sandbox  # noqa: F401
from tests.statemachines.support import (SEAT, create_activity, group, join, key, open_group, paid, pay,
                                         ready_to_pay, seat_of)

pytestmark = pytest.mark.usefixtures("wechat_sandbox")


@pytest.fixture
def sku(shop):
    return make_sku(shop["shop_id"], stock=20, price_fen=1000)


def test_idempotency_key_is_required_and_a_retry_returns_the_same_group(api, shop, shopper, sku):
    activity = create_activity(api, shop, sku)
    path = f"/v1/group-buys/{activity}/groups"
    missing = api.post(path, SEAT, token=shopper["token"])
    assert missing.status == 400 and missing.body["error"]["code"] == "idempotency_key_required"
    headers = key()
    first = api.post(path, SEAT, token=shopper["token"], headers=headers)
    again = api.post(path, SEAT, token=shopper["token"], headers=headers)
    assert first.status == again.status == 201 and first.body == again.body
    assert again.headers["Idempotent-Replayed"] == "true"
    other = dict(SEAT, note="leave at the door")
    assert api.post(path, other, token=shopper["token"], headers=headers).status == 422
    friend = api.login(shop["shop_id"], "friend")
    join_missing = api.post(f"/v1/groups/{first.body['group_id']}/join", SEAT, token=friend["token"])
    assert join_missing.status == 400 and join_missing.body["error"]["code"] == "idempotency_key_required"


def test_join_refusals_are_409_with_a_reason(api, shop, shopper, sku):
    activity = create_activity(api, shop, sku, group_size=2, per_user_limit=2)
    opened = open_group(api, shopper, activity)
    gid = opened["group_id"]
    mine = join(api, shopper, gid)
    assert mine.status == 409 and mine.body["error"]["code"] == "already_in_group"
    friend, late = api.login(shop["shop_id"], "friend"), api.login(shop["shop_id"], "late")
    assert join(api, friend, gid).status == 201
    full = join(api, late, gid)
    assert full.status == 409 and full.body["error"]["code"] == "group_full"
    unknown = api.post("/v1/groups/01ARZ3NDEKTSV4RRFFQ69G5FAV/join", SEAT, token=late["token"], headers=key())
    assert unknown.status == 404
    card = api.get(f"/v1/groups/{gid}", token=late["token"]).body
    assert card["seats_left"] == 0 and card["me"] is None and len(card["members"]) == 2


def test_expired_group_refuses_joins(api, shop, shopper, sku):
    activity = create_activity(api, shop, sku, group_size=3, duration_seconds=1)
    opened = open_group(api, shopper, activity)
    time.sleep(1.1)
    reply = join(api, api.login(shop["shop_id"], "friend"), opened["group_id"])
    assert reply.status == 409 and reply.body["error"]["code"] == "group_expired"


def test_unpaid_seat_is_released_when_its_order_is_cancelled(api, shop, shopper, sku):
    shop_id = shop["shop_id"]
    activity = create_activity(api, shop, sku, group_size=2)
    opened = open_group(api, shopper, activity)
    friend, other = api.login(shop_id, "friend"), api.login(shop_id, "other")
    joined = join(api, friend, opened["group_id"]).body
    assert join(api, other, opened["group_id"]).status == 409
    cancelled = api.post(f"/v1/orders/{joined['order_id']}/cancel", token=friend["token"])
    assert cancelled.status == 200 and cancelled.body["status"] == "cancelled"
    assert group(shop_id, opened["group_id"]).seats_taken == 1
    assert seat_of(shop_id, opened["group_id"], friend["user_id"]) is None
    assert join(api, other, opened["group_id"]).status == 201
    assert join(api, friend, opened["group_id"]).status == 409  # full again (the seat went to `other`)
    assert sku_stock(shop_id, sku) == 18


def test_per_user_limit_counts_seats_across_groups_and_comes_back_on_cancel(api, shop, shopper, sku):
    activity = create_activity(api, shop, sku, per_user_limit=1)
    first = open_group(api, shopper, activity)
    again = api.post(f"/v1/group-buys/{activity}/groups", SEAT, token=shopper["token"], headers=key())
    assert again.status == 409 and again.body["error"]["code"] == "group_buy_limit_reached"
    api.post(f"/v1/orders/{first['order_id']}/cancel", token=shopper["token"])
    assert open_group(api, shopper, activity)["group_id"] != first["group_id"]


def test_a_payment_after_the_deadline_on_a_still_open_group_is_refused_and_refunded_once(api, shop, shopper, sku):
    shop_id = shop["shop_id"]
    activity = create_activity(api, shop, sku, group_size=2, duration_seconds=1, group_price_fen=800)
    opened = open_group(api, shopper, activity)
    time.sleep(1.1)  # the deadline passed; no timer runs in this module, so the group is still open
    outcome = pay(shop_id, opened["order_id"])["notification"]["outcome"]
    assert outcome == "late_payment_refund_requested"
    order = get_order(shop_id, opened["order_id"], consistent=True)
    assert order.status == "cancelled" and order.transaction_id and order.refunded_fen == 800
    assert [r.status for r in refunds_of(shop_id, opened["order_id"])] == ["succeeded"]
    assert pay(shop_id, opened["order_id"])["notification"]["outcome"] == "duplicate"
    assert len(refunds_of(shop_id, opened["order_id"])) == 1
    assert group(shop_id, opened["group_id"]).paid_count == 0


def test_a_payment_arriving_between_failure_and_settlement_is_refunded_once(api, shop, shopper, sku, monkeypatch):
    shop_id = shop["shop_id"]
    ready_to_pay(shop_id)
    activity = create_activity(api, shop, sku, group_size=3, duration_seconds=60, group_price_fen=800)
    opened = open_group(api, shopper, activity)
    friend = api.login(shop_id, "friend")
    joined = join(api, friend, opened["group_id"]).body
    paid(shop_id, opened["order_id"])
    monkeypatch.setattr(timer, "now", lambda: opened["expires_at"])  # the timer's steps run at the deadline
    failed = timer._fail(group(shop_id, opened["group_id"]))  # the timer's transition, before it cancels
    assert failed.status == "failed"
    assert pay(shop_id, joined["order_id"])["notification"]["outcome"] == "late_payment_refund_requested"
    step = timer.settle({"shop_id": shop_id, "group_id": opened["group_id"]})
    assert step["status"] == "refund" and [r["order_id"] for r in step["refunds"]] == [opened["order_id"]]
    for item in step["refunds"]:
        timer.refund_member(item)
        timer.refund_member(item)  # a retried task asks again with the same out_refund_no
    for order_id in (opened["order_id"], joined["order_id"]):
        assert len(refunds_of(shop_id, order_id)) == 1
        assert get_order(shop_id, order_id, consistent=True).refunded_fen == 800
    assert timer.finish(dict(step, refunded=[]))["status"] == "done"
    assert group(shop_id, opened["group_id"]).DUEPK is None


def test_new_user_group_anyone_opens_only_new_shoppers_join(api, shop, shopper, sku):
    shop_id = shop["shop_id"]
    regular = api.login(shop_id, "regular")
    plain = create_activity(api, shop, make_sku(shop_id, stock=5))
    warm_up = open_group(api, regular, plain)
    pay(shop_id, warm_up["order_id"])  # `regular` now has a paid order in this shop
    newbies = create_activity(api, shop, sku, kind="new_user", group_size=3)
    opened = open_group(api, regular, newbies)  # anyone may open, a regular shopper too
    veteran = api.login(shop_id, "veteran")
    pay(shop_id, open_group(api, veteran, plain)["order_id"])
    refused = join(api, veteran, opened["group_id"])
    assert refused.status == 409 and refused.body["error"]["code"] == "new_users_only"
    newcomer = api.login(shop_id, "newcomer")
    joined = join(api, newcomer, opened["group_id"])
    assert joined.status == 201, joined.body
    assert pay(shop_id, joined.body["order_id"])["notification"]["outcome"] == "paid"


def test_new_user_condition_is_checked_inside_the_transaction(api, shop, sku):
    """A shopper whose first payment lands after checkout's read but before its write is refused by the
    transaction's condition, not by the read."""
    from crowdcart.db.models.shops import Shopper
    from crowdcart.purchase import group_buy

    shop_id = shop["shop_id"]
    newbies = create_activity(api, shop, sku, kind="new_user", group_size=3)
    opened = open_group(api, api.login(shop_id, "leader"), newbies)
    racer = api.login(shop_id, "racer")
    original = group_buy.GroupBuyPart.prepare

    def prepare_then_pay_elsewhere(self, ctx):
        original(self, ctx)  # read saw paid_orders == 0
        Shopper(*Shopper.key(shop_id, racer["user_id"])).update(actions=[Shopper.paid_orders.add(1)])

    group_buy.GroupBuyPart.prepare = prepare_then_pay_elsewhere
    try:
        reply = join(api, racer, opened["group_id"])
    finally:
        group_buy.GroupBuyPart.prepare = original
    assert reply.status == 409 and reply.body["error"]["code"] == "new_users_only"
    assert group(shop_id, opened["group_id"]).seats_taken == 1


def test_paid_orders_counts_every_paid_order(api, shop, shopper, sku):
    from crowdcart.db.models.shops import Shopper

    shop_id = shop["shop_id"]
    activity = create_activity(api, shop, sku, per_user_limit=3)
    for _ in range(2):
        pay(shop_id, open_group(api, shopper, activity)["order_id"])
    assert Shopper.get(*Shopper.key(shop_id, shopper["user_id"]), consistent_read=True).paid_orders == 2


def test_activity_validation_names_the_field(api, shop, sku):
    base = {"sku_id": sku, "group_price_fen": 500, "group_size": 2, "duration_seconds": 60}
    cases = [({"group_price_fen": 5000}, "group_price_fen"), ({"group_size": 1}, "group_size"),
             ({"kind": "lottery", "winners": 1}, "ends_at"),
             ({"kind": "lottery", "ends_at": int(time.time()) + 60, "winners": 2}, "winners"),
             ({"winners": 1}, "winners"), ({"extra": 1}, "extra")]
    for change, field in cases:
        reply = api.post("/admin/v1/group-buys", dict(base, **change), token=shop["api_key"])
        assert reply.status == 422 and reply.body["error"]["field"] == field, (change, reply.body)
    missing = api.post("/admin/v1/group-buys", dict(base, sku_id="01ARZ3NDEKTSV4RRFFQ69G5FAV"), token=shop["api_key"])
    assert missing.status == 404


def test_activity_page_lists_joinable_groups_soonest_deadline_first(api, shop, shopper, sku):
    shop_id = shop["shop_id"]
    activity = create_activity(api, shop, sku, group_size=2, per_user_limit=5)
    first = open_group(api, shopper, activity)
    time.sleep(1.0)
    second = open_group(api, api.login(shop_id, "b"), activity)
    third = open_group(api, api.login(shop_id, "c"), activity)
    join(api, api.login(shop_id, "d"), third["group_id"])  # full: not joinable
    page = api.get(f"/v1/group-buys/{activity}", token=shopper["token"]).body
    assert [g["id"] for g in page["open_groups"]] == [first["group_id"], second["group_id"]]
    assert page["group_price_fen"] == 500 and page["active"] is True
    listed = api.get(f"/v1/group-buys/{activity}/groups?limit=1", token=shopper["token"]).body
    assert [g["id"] for g in listed["items"]] == [first["group_id"]] and listed["next_cursor"]
    merchant = api.get(f"/admin/v1/group-buys/{activity}/groups?status=open", token=shop["api_key"]).body
    assert {g["id"] for g in merchant["items"]} == {first["group_id"], second["group_id"], third["group_id"]}
    mine = api.get("/v1/me/groups", token=shopper["token"]).body["items"]
    assert [g["id"] for g in mine] == [first["group_id"]] and mine[0]["role"] == "leader"


def test_another_shops_groups_are_404(api, shop, shopper, sku, platform_key):
    activity = create_activity(api, shop, sku)
    opened = open_group(api, shopper, activity)
    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    stranger = api.login(other["shop_id"], "stranger")
    for reply in (api.get(f"/v1/groups/{opened['group_id']}", token=stranger["token"]),
                  join(api, stranger, opened["group_id"]),
                  api.get(f"/v1/group-buys/{activity}", token=stranger["token"]),
                  api.post(f"/v1/group-buys/{activity}/groups", SEAT, token=stranger["token"], headers=key()),
                  api.get(f"/admin/v1/groups/{opened['group_id']}", token=other["api_key"]),
                  api.get(f"/admin/v1/group-buys/{activity}/groups", token=other["api_key"])):
        assert reply.status == 404, reply.body
    assert api.get("/admin/v1/group-buys", token=other["api_key"]).body["items"] == []


def test_cancel_unpaid_of_a_group_order_goes_through_the_part(api, shop, shopper, sku):
    shop_id = shop["shop_id"]
    opened = open_group(api, shopper, create_activity(api, shop, sku))
    cancel_unpaid(get_order(shop_id, opened["order_id"]), "sweeper", "pay_timeout")
    assert group(shop_id, opened["group_id"]).seats_taken == 0
