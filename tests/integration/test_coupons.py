"""Coupons over HTTP against DynamoDB Local: templates, center, claims, wallet, checkout, cancel, tenant wall."""
import pytest

from crowdcart.clock import now
from crowdcart.db.models.coupons import Coupon
from crowdcart.db.models.shops import Shopper
from crowdcart.db.orders import cancel_unpaid, get_order
from tests.fakes import rewards
from tests.fakes.catalog import make_sku


def test_templates_of_every_kind_and_validation_naming_the_field(api, shop):
    rewards.template(api, shop)
    rewards.template(api, shop, name="85折", kind="percent_off", percent_off=15, max_off_fen=3000, amount_off_fen=None,
                     min_spend_fen=0)
    rewards.template(api, shop, name="无门槛5元", kind="no_threshold", amount_off_fen=500, min_spend_fen=0,
                     valid_days_after_claim=None, valid_until=now() + 86400)
    bad = [({"percent_off": 10}, "percent_off"),
           ({"kind": "percent_off", "percent_off": 10, "amount_off_fen": 5}, "amount_off_fen"),
           ({"kind": "percent_off", "amount_off_fen": None}, "percent_off"),
           ({"valid_days_after_claim": None}, "valid_until"),
           ({"valid_until": now() + 100}, "valid_days_after_claim"),
           ({"valid_days_after_claim": None, "valid_until": now() - 5}, "valid_until"),
           ({"amount_off_fen": 20000}, "amount_off_fen"),
           ({"quota": 0}, "quota"),
           ({"product_ids": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]}, "product_ids"),
           ({"category_ids": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]}, "category_ids"),
           ({"remaining": 5}, "remaining")]
    base = {"name": "x", "kind": "amount_off", "amount_off_fen": 2000, "min_spend_fen": 10000, "quota": 5,
            "valid_days_after_claim": 3}
    for change, field in bad:
        reply = api.post("/admin/v1/coupon-templates", dict(base, **change), token=shop["api_key"])
        assert reply.status == 422 and reply.body["error"]["field"] == field, (change, reply.body)
    listed = api.get("/admin/v1/coupon-templates", token=shop["api_key"]).body["items"]
    assert sorted(t["kind"] for t in listed) == ["amount_off", "no_threshold", "percent_off"]
    viewer = api.post("/admin/v1/staff-keys", {"role": "viewer"}, token=shop["api_key"]).body["api_key"]
    assert api.post("/admin/v1/coupon-templates", base, token=viewer).status == 403


def test_center_claim_limits_sold_out_and_idempotent_claims(api, shop, shopper):
    one = rewards.template(api, shop, quota=2, per_user_limit=1)
    two = rewards.template(api, shop, name="两张", quota=10, per_user_limit=2)
    hidden = rewards.template(api, shop, name="私有", public=False)
    center = api.get("/v1/coupons/center", token=shopper["token"]).body["items"]
    assert {t["id"] for t in center} == {one["id"], two["id"]}
    assert all(t["claimed_label"] == f"0/{t['limit']}" and t["can_claim"] for t in center)

    first = rewards.claim(api, shopper, one["id"])
    assert first.status == 201 and first.body["coupon"]["status"] == "unused"
    again = rewards.claim(api, shopper, one["id"])
    assert again.status == 409 and again.body["error"]["code"] == "coupon_limit_reached"
    keyed = [rewards.claim(api, shopper, two["id"], key="tap-1") for _ in range(2)]
    assert [r.status for r in keyed] == [201, 201] and keyed[1].body["replayed"]
    assert keyed[0].body["coupon_id"] == keyed[1].body["coupon_id"]
    assert rewards.claim(api, shopper, two["id"], key="tap-2").status == 201
    assert rewards.claim(api, shopper, two["id"]).body["error"]["code"] == "coupon_limit_reached"

    bob = api.login(shop["shop_id"], "bob")
    assert rewards.claim(api, bob, one["id"]).status == 201
    sold = rewards.claim(api, api.login(shop["shop_id"], "carol"), one["id"])
    assert sold.status == 409 and sold.body["error"]["code"] == "coupon_sold_out"
    assert rewards.claim(api, bob, hidden["id"]).status == 404

    states = {t["id"]: t for t in api.get("/v1/coupons/center", token=shopper["token"]).body["items"]}
    assert states[one["id"]]["claimed_label"] == "1/1" and not states[one["id"]]["can_claim"]
    assert states[two["id"]]["claimed_label"] == "2/2" and states[one["id"]]["sold_out"]
    stats = api.get(f"/admin/v1/coupon-templates/{one['id']}", token=shop["api_key"]).body["stats"]
    assert stats == {"claimed": 2, "used": 0, "remaining": 0, "quota": 2}


def test_disable_hides_and_refuses_and_quota_can_grow(api, shop, shopper):
    tpl = rewards.template(api, shop, quota=1)
    off = api.patch(f"/admin/v1/coupon-templates/{tpl['id']}", {"enabled": False}, token=shop["api_key"])
    assert off.status == 200 and off.body["enabled"] is False
    assert api.get("/v1/coupons/center", token=shopper["token"]).body["items"] == []
    reply = rewards.claim(api, shopper, tpl["id"])
    assert reply.status == 409 and reply.body["error"]["code"] == "coupon_template_disabled"
    api.patch(f"/admin/v1/coupon-templates/{tpl['id']}", {"enabled": True, "add_quota": 1}, token=shop["api_key"])
    assert rewards.claim(api, shopper, tpl["id"]).status == 201
    assert rewards.claim(api, api.login(shop["shop_id"], "bob"), tpl["id"]).status == 201
    assert api.get(f"/admin/v1/coupon-templates/{tpl['id']}", token=shop["api_key"]).body["remaining"] == 0


def test_checkout_uses_the_coupon_once_and_cancel_gives_it_back(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=6000)
    tpl = rewards.template(api, shop)
    coupon_id = rewards.claim(api, shopper, tpl["id"]).body["coupon_id"]
    short = rewards.order(api, shopper, sku, quantity=1, coupon_id=coupon_id)
    assert short.status == 409 and short.body["error"]["code"] == "coupon_min_spend_not_met"
    placed = rewards.order(api, shopper, sku, quantity=2, coupon_id=coupon_id)
    assert placed.status == 201, placed.body
    assert (placed.body["goods_fen"], placed.body["discount_fen"], placed.body["payable_fen"]) == (12000, 2000, 10000)
    assert placed.body["coupon_id"] == coupon_id
    used = rewards.order(api, shopper, sku, quantity=2, coupon_id=coupon_id)
    assert used.status == 409 and used.body["error"]["code"] == "coupon_used"
    wallet = api.get("/v1/me/coupons?status=used", token=shopper["token"]).body["items"]
    assert [c["id"] for c in wallet] == [coupon_id] and wallet[0]["used_order_id"] == placed.body["id"]
    assert api.get("/v1/me/coupons", token=shopper["token"]).body["items"] == []
    assert api.get(f"/admin/v1/coupon-templates/{tpl['id']}", token=shop["api_key"]).body["stats"]["used"] == 1

    assert api.post(f"/v1/orders/{placed.body['id']}/cancel", token=shopper["token"]).status == 200
    back = api.get("/v1/me/coupons?status=unused", token=shopper["token"]).body["items"]
    assert [c["id"] for c in back] == [coupon_id] and back[0]["used_order_id"] is None
    assert rewards.order(api, shopper, sku, quantity=2, coupon_id=coupon_id).status == 201


def test_the_pay_timeout_gives_coupon_and_points_back(api, shop, shopper):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=10, price_fen=6000)
    rewards.grant_points(shop_id, shopper["user_id"], 100)
    coupon_id = rewards.claim(api, shopper, rewards.template(api, shop)["id"]).body["coupon_id"]
    placed = rewards.order(api, shopper, sku, quantity=2, coupon_id=coupon_id, points_to_use=100).body
    assert placed["points_used"] == 100 and api.get("/v1/me/coupons", token=shopper["token"]).body["items"] == []
    order = get_order(shop_id, placed["id"])
    cancel_unpaid(order, "sweeper", "pay_timeout", only_if_due=True, at=order.pay_deadline_at + 1)
    assert [c["id"] for c in api.get("/v1/me/coupons", token=shopper["token"]).body["items"]] == [coupon_id]
    assert api.get("/v1/me/points", token=shopper["token"]).body["balance"] == 100
    assert rewards.ledger_sum(shop_id, shopper["user_id"]) == 100


def test_expired_and_foreign_coupons_are_refused(api, shop, shopper):
    sku = make_sku(shop["shop_id"], stock=10, price_fen=6000)
    tpl = rewards.template(api, shop, quota=5)
    mine = rewards.claim(api, shopper, tpl["id"]).body["coupon_id"]
    bob = api.login(shop["shop_id"], "bob")
    theirs = rewards.claim(api, bob, tpl["id"]).body["coupon_id"]
    foreign = rewards.order(api, shopper, sku, quantity=2, coupon_id=theirs)
    assert foreign.status == 404 and foreign.body["error"]["code"] == "coupon_not_found"
    assert api.get(f"/v1/me/coupons/{theirs}", token=shopper["token"]).status == 404
    Coupon(*Coupon.key(shop["shop_id"], shopper["user_id"], mine)).update(
        actions=[Coupon.valid_until.set(now() - 10), Coupon.GSI1SK.set(f"U#{now() - 10:010d}#{mine}")])
    expired = rewards.order(api, shopper, sku, quantity=2, coupon_id=mine)
    assert expired.status == 409 and expired.body["error"]["code"] == "coupon_expired"
    assert [c["id"] for c in api.get("/v1/me/coupons?status=expired", token=shopper["token"]).body["items"]] == [mine]
    assert api.get("/v1/me/coupons?status=bogus", token=shopper["token"]).status == 400


def test_restricted_and_non_stackable_coupons_price_as_the_rules_say(api, shop, shopper):
    shop_id = shop["shop_id"]
    cat = api.post("/admin/v1/categories", {"name": "茶"}, token=shop["api_key"]).body["id"]
    child = api.post("/admin/v1/categories", {"name": "绿茶", "parent_id": cat}, token=shop["api_key"]).body["id"]
    tea = make_sku(shop_id, stock=10, price_fen=5000, category_id=child)
    tpl = rewards.template(api, shop, name="茶 9 折", kind="percent_off", percent_off=10, amount_off_fen=None,
                           min_spend_fen=0, category_ids=[cat], stackable_with_member=False, per_user_limit=5)
    assert set(tpl["category_ids"]) == {cat, child}  # a root covers its sub-categories
    Shopper(*Shopper.key(shop_id, shopper["user_id"])).update(actions=[Shopper.member_discount_percent.set(20)])
    coupon_id = rewards.claim(api, shopper, tpl["id"], key="k1").body["coupon_id"]
    placed = rewards.order(api, shopper, tea, quantity=1, coupon_id=coupon_id)
    assert placed.body["discount_fen"] == 500  # 10% coupon instead of the 20% member discount
    assert [d["kind"] for d in placed.body["pricing"]["discounts"]] == ["coupon"]
    other = make_sku(shop_id, stock=10, price_fen=5000)
    second = rewards.claim(api, shopper, tpl["id"], key="k2").body["coupon_id"]
    refused = rewards.order(api, shopper, other, coupon_id=second)
    assert refused.status == 409 and refused.body["error"]["code"] == "coupon_not_applicable"
    without = rewards.order(api, shopper, other)
    assert without.body["discount_fen"] == 1000  # the member discount alone


def test_merchant_issues_to_a_list_once_per_batch(api, shop, shopper):
    tpl = rewards.template(api, shop, public=False, quota=3)
    bob = api.login(shop["shop_id"], "bob")
    body = {"batch_id": "vip-2024", "user_ids": [shopper["user_id"], bob["user_id"], "01ARZ3NDEKTSV4RRFFQ69G5FAV"]}
    first = api.post(f"/admin/v1/coupon-templates/{tpl['id']}/issues", body, token=shop["api_key"]).body
    assert [r["result"] for r in first["results"]] == ["issued", "issued", "user_not_found"]
    again = api.post(f"/admin/v1/coupon-templates/{tpl['id']}/issues", body, token=shop["api_key"]).body
    assert [r["result"] for r in again["results"]] == ["already_issued", "already_issued", "user_not_found"]
    assert len(api.get("/v1/me/coupons", token=bob["token"]).body["items"]) == 1
    assert api.get(f"/admin/v1/coupon-templates/{tpl['id']}", token=shop["api_key"]).body["remaining"] == 1


@pytest.fixture
def other_shop(api, platform_key):
    created = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    return dict(created, shopper=api.login(created["shop_id"], "eve"))


def test_tenant_wall(api, shop, shopper, other_shop):
    theirs = rewards.template(api, other_shop)
    their_coupon = rewards.claim(api, other_shop["shopper"], theirs["id"]).body["coupon_id"]
    mine = rewards.template(api, shop)
    for reply in (api.get(f"/admin/v1/coupon-templates/{theirs['id']}", token=shop["api_key"]),
                  api.patch(f"/admin/v1/coupon-templates/{theirs['id']}", {"enabled": False}, token=shop["api_key"]),
                  api.post(f"/admin/v1/coupon-templates/{theirs['id']}/issues",
                           {"batch_id": "x", "user_ids": [shopper["user_id"]]}, token=shop["api_key"]),
                  rewards.claim(api, shopper, theirs["id"]),
                  api.get(f"/v1/me/coupons/{their_coupon}", token=shopper["token"])):
        assert reply.status == 404, reply.body
    issued = api.post(f"/admin/v1/coupon-templates/{mine['id']}/issues",
                      {"batch_id": "x", "user_ids": [other_shop["shopper"]["user_id"]]}, token=shop["api_key"]).body
    assert issued["results"][0]["result"] == "user_not_found"
    center = api.get("/v1/coupons/center", token=shopper["token"]).body["items"]
    assert [t["id"] for t in center] == [mine["id"]]
    assert theirs["id"] not in str(api.get("/admin/v1/coupon-templates", token=shop["api_key"]).body)
