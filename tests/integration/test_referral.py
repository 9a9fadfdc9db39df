"""Referral commissions over HTTP against DynamoDB Local and the real table stream: promoters, the first
binding wins, commissions frozen at receipt, unfrozen when the after-sales window closes, lowered or
reversed by refunds, withdrawals the merchant approves, analytics and the tenant wall."""
import pytest

from crowdcart.clock import now
from crowdcart.db.models.orders import Order
from crowdcart.db.models.referral import ReferralBinding
from crowdcart.payments import refunds
from crowdcart.payments.sandbox import pay_order
from crowdcart.plays import referral
from functions.orders import service as orders
from tests.fakes import rewards
from tests.fakes.catalog import make_sku
from tests.fakes.orders import load_order, wechat_sandbox  # noqa: F401
from tests.fakes.stream import drain, replay

pytestmark = pytest.mark.usefixtures("wechat_sandbox")
PROGRAM = {"level1_rate_bp": 1000, "level2_rate_bp": 500, "approval_required": True, "min_withdrawal_fen": 500}


def program(api, shop, **changes):
    reply = api.put("/admin/v1/referral/program", dict(PROGRAM, **changes), token=shop["api_key"])
    assert reply.status == 200, reply.body
    return reply.body


def promoter(api, shop, name, approve=True):
    """A shopper who applied and (by default) was approved."""
    who = api.login(shop["shop_id"], name)
    applied = api.post("/v1/referral/promoters", token=who["token"])
    assert applied.status == 201, applied.body
    if approve and applied.body["status"] == "pending":
        decided = api.post(f"/admin/v1/referral/promoters/{who['user_id']}/approve", token=shop["api_key"])
        assert decided.status == 200 and decided.body["status"] == "approved"
    return who


def bind(api, shopper, promoter_id):
    return api.post("/v1/referral/bindings", {"promoter_id": promoter_id}, token=shopper["token"])


def buy(api, shop, shopper, price_fen, receive=True):
    """Order, pay through the sandbox, and (by default) ship and confirm receipt; returns the order id."""
    placed = rewards.order(api, shopper, make_sku(shop["shop_id"], stock=10, price_fen=price_fen))
    assert placed.status == 201, placed.body
    assert pay_order(load_order(shop["shop_id"], placed.body["id"]))["notification"]["outcome"] == "paid"
    if receive:
        rewards.ship_and_receive(api, shop, shopper, placed.body["id"])
    return placed.body["id"]


def balances(shop, user_id):
    found = referral.get_promoter(shop["shop_id"], user_id)
    values = referral.balances(found)
    assert (values["frozen_fen"] + values["available_fen"] + values["withdrawing_fen"] + values["withdrawn_fen"]
            == values["earned_fen"] - values["reversed_fen"])  # every fen is somewhere
    return values


def commissions(api, who):
    reply = api.get("/v1/me/referral/commissions", token=who["token"])
    assert reply.status == 200, reply.body
    return reply.body["items"]


def test_programme_and_applications(api, shop, shopper):
    assert api.post("/v1/referral/promoters", token=shopper["token"]).body["error"]["code"] == "referral_disabled"
    assert api.put("/admin/v1/referral/program", dict(PROGRAM, level1_rate_bp=3000, level2_rate_bp=2500),
                   token=shop["api_key"]).status == 422
    shown = program(api, shop)
    assert shown["configured"] and shown["enabled"] and shown["program_id"] == referral.program_id(shop["shop_id"])
    applied = api.post("/v1/referral/promoters", token=shopper["token"])
    assert applied.status == 201 and applied.body["status"] == "pending"
    assert api.post("/v1/referral/promoters", token=shopper["token"]).body["error"]["code"] == "already_applied"
    queue = api.get("/admin/v1/referral/promoters", token=shop["api_key"]).body["items"]
    assert [p["user_id"] for p in queue] == [shopper["user_id"]]
    assert api.get("/v1/referral/share", token=shopper["token"]).body["error"]["code"] == "not_a_promoter"
    rejected = api.post(f"/admin/v1/referral/promoters/{shopper['user_id']}/reject", token=shop["api_key"])
    assert rejected.body["status"] == "rejected"
    assert api.post(f"/admin/v1/referral/promoters/{shopper['user_id']}/approve",
                    token=shop["api_key"]).body["error"]["code"] == "promoter_not_pending"
    assert api.get("/admin/v1/referral/promoters", token=shop["api_key"]).body["items"] == []
    program(api, shop, approval_required=False)
    instant = promoter(api, shop, "bob", approve=False)
    assert referral.get_promoter(shop["shop_id"], instant["user_id"]).status == "approved"
    card = api.get("/v1/referral/share", token=instant["token"]).body
    assert card["path"] == f"/pages/index/index?ref={instant['user_id']}" and card["campaign_kind"] == "referral"
    assert api.post("/v1/referral/shares", token=instant["token"]).status == 204


def test_the_first_binding_wins_and_the_rules_of_binding(api, shop):
    program(api, shop)
    alice, bob = promoter(api, shop, "alice"), promoter(api, shop, "bob")
    carol = api.login(shop["shop_id"], "carol")
    assert bind(api, carol, carol["user_id"]).body["error"]["code"] == "self_referral"
    assert bind(api, carol, "01ARZ3NDEKTSV4RRFFQ69G5FAV").status == 404
    first = bind(api, carol, alice["user_id"])
    assert first.status == 201 and first.body["promoter_id"] == alice["user_id"] and first.body["is_new"]
    second = bind(api, carol, bob["user_id"])
    assert second.status == 409 and second.body["error"]["code"] == "already_bound"
    me = api.get("/v1/me/referral", token=carol["token"]).body
    assert me["bound_to"]["promoter_id"] == alice["user_id"] and me["promoter"] is None
    invitees = api.get("/v1/me/referral/invitees", token=alice["token"]).body["items"]
    assert [i["user_id"] for i in invitees] == [carol["user_id"]]
    assert api.get("/v1/me/referral/invitees", token=bob["token"]).body["items"] == []

    dave = api.login(shop["shop_id"], "dave")
    buy(api, shop, dave, 1000, receive=False)  # dave has an order: not new any more
    assert bind(api, dave, alice["user_id"]).body["error"]["code"] == "not_a_new_shopper"
    pending = api.login(shop["shop_id"], "erin")
    api.post("/v1/referral/promoters", token=pending["token"])
    assert bind(api, api.login(shop["shop_id"], "frank"), pending["user_id"]).body["error"]["code"] == \
        "promoter_not_approved"

    stats = api.get(f"/admin/v1/campaigns/referral/{referral.program_id(shop['shop_id'])}/stats",
                    token=shop["api_key"]).body
    assert (stats["participants"], stats["new_users"]) == (1, 1)


def test_a_lapsed_binding_can_be_replaced(api, shop):
    program(api, shop, binding_days=30)
    alice, bob = promoter(api, shop, "alice"), promoter(api, shop, "bob")
    carol = api.login(shop["shop_id"], "carol")
    bound = bind(api, carol, alice["user_id"]).body
    assert bound["expires_at"] == pytest.approx(now() + 30 * 86400, abs=5)
    assert bind(api, carol, bob["user_id"]).status == 409
    ReferralBinding(*ReferralBinding.key(shop["shop_id"], carol["user_id"])).update(
        actions=[ReferralBinding.expires_at.set(now() - 1)])
    assert api.get("/v1/me/referral", token=carol["token"]).body["bound_to"] is None
    again = bind(api, carol, bob["user_id"])
    assert again.status == 201 and again.body["promoter_id"] == bob["user_id"]


def test_two_level_commissions_frozen_then_unfrozen_then_withdrawn(api, shop):
    program(api, shop)
    shop_id = shop["shop_id"]
    alice, bob = promoter(api, shop, "alice"), promoter(api, shop, "bob")
    assert bind(api, bob, alice["user_id"]).status == 201  # bob, a promoter himself, was brought by alice
    carol = api.login(shop_id, "carol")
    assert bind(api, carol, bob["user_id"]).status == 201
    order_id = buy(api, shop, carol, 12345)
    assert commissions(api, bob) == []  # the stream has not run yet
    drain(shop_id)
    replay(shop_id)  # a redelivered stream earns nothing twice
    assert [(c["level"], c["amount_fen"], c["status"]) for c in commissions(api, bob)] == [(1, 1234, "frozen")]
    assert [(c["level"], c["amount_fen"], c["status"]) for c in commissions(api, alice)] == [(2, 617, "frozen")]
    assert balances(shop, bob["user_id"])["frozen_fen"] == 1234 and balances(shop, bob["user_id"])["orders"] == 1

    early = api.post("/v1/me/referral/withdrawals", {"amount_fen": 1000}, token=bob["token"])
    assert early.status == 409 and early.body["error"]["code"] == "insufficient_balance"
    orders.sweep_auto_complete(moment=now() + 8 * 86400, limit=1000)  # the after-sales window closes
    assert load_order(shop_id, order_id).status == "completed"
    drain(shop_id)
    replay(shop_id)
    assert (balances(shop, bob["user_id"])["frozen_fen"], balances(shop, bob["user_id"])["available_fen"]) == (0, 1234)
    assert balances(shop, alice["user_id"])["available_fen"] == 617

    small = api.post("/v1/me/referral/withdrawals", {"amount_fen": 100}, token=bob["token"])
    assert small.status == 409 and small.body["error"]["code"] == "below_min_withdrawal"
    keyed = {"Idempotency-Key": "wd-1"}
    asked = api.post("/v1/me/referral/withdrawals", {"amount_fen": 1000}, token=bob["token"], headers=keyed)
    again = api.post("/v1/me/referral/withdrawals", {"amount_fen": 1000}, token=bob["token"], headers=keyed)
    assert asked.status == 201 and again.body["id"] == asked.body["id"]
    now_bob = balances(shop, bob["user_id"])
    assert (now_bob["available_fen"], now_bob["withdrawing_fen"]) == (234, 1000)
    queue = api.get("/admin/v1/referral/withdrawals", token=shop["api_key"]).body["items"]
    assert [w["id"] for w in queue] == [asked.body["id"]]
    paid = api.post(f"/admin/v1/referral/withdrawals/{asked.body['id']}/approve", {"note": "转账 2024-06-01"},
                    token=shop["api_key"])
    assert paid.status == 200 and paid.body["status"] == "approved"
    assert api.post(f"/admin/v1/referral/withdrawals/{asked.body['id']}/reject", {},
                    token=shop["api_key"]).status == 409
    final = balances(shop, bob["user_id"])
    assert (final["available_fen"], final["withdrawing_fen"], final["withdrawn_fen"]) == (234, 0, 1000)
    rejected = api.post("/v1/me/referral/withdrawals", {"amount_fen": 600}, token=alice["token"]).body
    api.post(f"/admin/v1/referral/withdrawals/{rejected['id']}/reject", {}, token=shop["api_key"])
    assert balances(shop, alice["user_id"])["available_fen"] == 617
    assert [w["status"] for w in api.get("/v1/me/referral/withdrawals", token=alice["token"]).body["items"]] == \
        ["rejected"]


def test_a_refunded_orders_commission_is_reversed(api, shop):
    program(api, shop, level2_rate_bp=0)
    shop_id = shop["shop_id"]
    alice = promoter(api, shop, "alice")
    carol = api.login(shop_id, "carol")
    bind(api, carol, alice["user_id"])
    whole = buy(api, shop, carol, 5000)
    partial = buy(api, shop, carol, 8000)
    drain(shop_id)
    assert balances(shop, alice["user_id"])["frozen_fen"] == 500 + 800

    refunds.request_refund(load_order(shop_id, whole), 5000, "broken", "after_sales:1")
    refunds.request_refund(load_order(shop_id, partial), 3000, "one missing", "after_sales:2")
    assert load_order(shop_id, whole).status == "refunded"
    drain(shop_id)
    replay(shop_id)
    by_order = {c["order_id"]: c for c in commissions(api, alice)}
    assert (by_order[whole]["status"], by_order[whole]["amount_fen"]) == ("reversed", 0)
    assert (by_order[partial]["status"], by_order[partial]["amount_fen"], by_order[partial]["refunded_fen"]) == \
        ("frozen", 500, 3000)
    after = balances(shop, alice["user_id"])
    assert (after["frozen_fen"], after["earned_fen"], after["reversed_fen"]) == (500, 1300, 800)


def test_a_refund_after_completion_comes_out_of_the_available_balance(api, shop):
    program(api, shop, level2_rate_bp=0)
    shop_id = shop["shop_id"]
    alice = promoter(api, shop, "alice")
    carol = api.login(shop_id, "carol")
    bind(api, carol, alice["user_id"])
    order_id = buy(api, shop, carol, 10000)
    drain(shop_id)
    orders.sweep_auto_complete(moment=now() + 8 * 86400, limit=1000)
    drain(shop_id)
    assert balances(shop, alice["user_id"])["available_fen"] == 1000
    refunds.request_refund(load_order(shop_id, order_id), 10000, "returned late", "after_sales:1")
    drain(shop_id)
    after = balances(shop, alice["user_id"])
    assert (after["available_fen"], after["reversed_fen"]) == (0, 1000)
    assert commissions(api, alice)[0]["status"] == "reversed"


def test_orders_placed_before_binding_or_by_the_promoter_earn_nothing(api, shop):
    program(api, shop, new_shoppers_only=False)
    shop_id = shop["shop_id"]
    alice = promoter(api, shop, "alice")
    carol = api.login(shop_id, "carol")
    before = rewards.order(api, carol, make_sku(shop_id, price_fen=3000)).body["id"]
    Order(*Order.key(shop_id, before)).update(actions=[Order.created_at.set(now() - 60)])  # a minute ago
    bind(api, carol, alice["user_id"])
    pay_order(load_order(shop_id, before))
    rewards.ship_and_receive(api, shop, carol, before)
    buy(api, shop, alice, 3000)  # alice's own order
    drain(shop_id)
    assert commissions(api, alice) == [] and balances(shop, alice["user_id"])["earned_fen"] == 0


def test_the_tenant_wall(api, shop, platform_key):
    program(api, shop)
    alice = promoter(api, shop, "alice")
    asked_for = api.login(shop["shop_id"], "carol")
    api.post("/v1/referral/promoters", token=asked_for["token"])
    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    api.put("/admin/v1/referral/program", PROGRAM, token=other["api_key"])
    stranger = api.login(other["shop_id"], "eve")
    assert bind(api, stranger, alice["user_id"]).status == 404
    for reply in (api.get(f"/admin/v1/referral/promoters/{alice['user_id']}", token=other["api_key"]),
                  api.post(f"/admin/v1/referral/promoters/{asked_for['user_id']}/approve", token=other["api_key"]),
                  api.post("/admin/v1/referral/withdrawals/01ARZ3NDEKTSV4RRFFQ69G5FAV/approve", {},
                           token=other["api_key"])):
        assert reply.status == 404, reply.body
    assert api.get("/admin/v1/referral/promoters?status=approved", token=other["api_key"]).body["items"] == []
    assert api.get("/admin/v1/referral/promoters?status=nope", token=shop["api_key"]).status == 400
