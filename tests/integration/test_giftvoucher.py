"""Gift vouchers over the API and the real table stream: bought through checkout, sent with a one-time
token, claimed by one friend, redeemed once online or in store; take-back, link expiry, the refund rule,
settings and the tenant wall."""
import uuid

import pytest

from crowdcart.clock import now
from crowdcart.db.models.catalog import Sku
from crowdcart.db.models.gift_vouchers import GiftVoucher
from crowdcart.db.models.orders import Refund
from crowdcart.db.orders import get_order
from crowdcart.reactions import gift_vouchers
from crowdcart.rewards import coupons
from tests.fakes.catalog import make_sku
from tests.fakes.stream import drain
from tests.integration.test_order_lifecycle import ADDRESS, mark_paid, place


def voucher_product(shop, price_fen=5000):
    sku_id = make_sku(shop["shop_id"], stock=50, price_fen=price_fen, kind="voucher")
    return sku_id, Sku.get(*Sku.key(shop["shop_id"], sku_id)).product_id


def bought(api, shop, shopper, quantity=1, price_fen=5000):
    """A paid order of `quantity` vouchers; returns (order id, voucher views in unit order)."""
    sku_id, _ = voucher_product(shop, price_fen)
    order = place(api, shopper, sku_id, quantity=quantity)
    mark_paid(shop["shop_id"], order["id"])
    drain(shop["shop_id"])
    listed = api.get(f"/v1/orders/{order['id']}/gift-vouchers", token=shopper["token"])
    assert listed.status == 200 and len(listed.body["items"]) == quantity, listed.body
    return order["id"], listed.body["items"]


def send(api, shopper, voucher_id, message=None):
    reply = api.post(f"/v1/gift-vouchers/{voucher_id}/send", {"message": message} if message else {},
                     token=shopper["token"])
    assert reply.status == 200, reply.body
    return reply.body["share_token"]


def claim(api, who, token):
    return api.post("/v1/gift-voucher-claims", {"token": token}, token=who["token"])


def friends(api, shop, count, prefix="friend"):
    return [api.login(shop["shop_id"], f"{prefix}-{i}") for i in range(count)]


def redeem(api, shop, code):
    return api.post("/admin/v1/gift-voucher-redemptions", {"code": code}, token=shop["api_key"])


def test_a_paid_voucher_is_sent_claimed_by_the_first_friend_and_redeemed_once_in_store(api, shop, shopper):
    order_id, (voucher,) = bought(api, shop, shopper)
    assert (voucher["status"], voucher["face_value_fen"], voucher["order_id"]) == ("held", 5000, order_id)
    assert voucher["valid_until"] >= now() + 364 * 86400
    token = send(api, shopper, voucher["id"], message="生日快乐")
    first, second = friends(api, shop, 2)
    seen = api.post("/v1/gift-voucher-shares/open", {"token": token}, token=first["token"]).body
    assert seen["claimable"] and seen["status"] == "sent" and seen["message"] == "生日快乐"
    assert seen["sender"]["user_id"] == shopper["user_id"] and seen["face_value_fen"] == 5000
    own = claim(api, shopper, token)
    assert own.status == 409 and own.body["error"]["code"] == "gift_voucher_own"
    got = claim(api, first, token)
    assert got.status == 201, got.body
    assert got.body["status"] == "claimed" and got.body["holder_id"] == first["user_id"]
    assert len(got.body["code"]) == 12 and got.body["coupon_id"]
    late = claim(api, second, token)
    assert late.status == 409 and late.body["error"]["code"] == "gift_voucher_claimed"
    after = api.post("/v1/gift-voucher-shares/open", {"token": token}, token=second["token"]).body
    assert after["status"] == "claimed" and not after["claimable"]
    coupon = coupons.get_coupon(shop["shop_id"], first["user_id"], got.body["coupon_id"], consistent=True)
    assert coupon.rule["kind"] == "no_threshold" and coupon.rule["amount_off_fen"] == 5000
    assert coupon.valid_until == voucher["valid_until"]
    by_buyer = api.get(f"/v1/gift-vouchers/{voucher['id']}", token=shopper["token"]).body
    assert by_buyer["status"] == "claimed" and by_buyer["code"] is None and by_buyer["coupon_id"] is None
    assert api.get(f"/v1/gift-vouchers/{voucher['id']}", token=second["token"]).status == 404
    received = api.get("/v1/me/gift-vouchers?role=received", token=first["token"]).body["items"]
    assert [v["id"] for v in received] == [voucher["id"]] and received[0]["order_id"] is None
    done = redeem(api, shop, got.body["code"])
    assert done.status == 200 and done.body["status"] == "redeemed", done.body
    twice = redeem(api, shop, got.body["code"])
    assert twice.status == 409 and twice.body["error"]["code"] == "gift_voucher_redeemed"
    assert coupons.get_coupon(shop["shop_id"], first["user_id"], got.body["coupon_id"], consistent=True).status == "used"
    assert redeem(api, shop, "000000000000").status == 404
    stats = api.get(f"/admin/v1/campaigns/gift_voucher/{voucher['product_id']}/stats", token=shop["api_key"]).body
    assert stats["participants"] == 2 and stats["new_users"] == 1


def test_a_voucher_spent_online_cannot_be_spent_in_store(api, shop, shopper):
    _, (voucher,) = bought(api, shop, shopper, price_fen=2000)
    (friend,) = friends(api, shop, 1)
    got = claim(api, friend, send(api, shopper, voucher["id"])).body
    sku = make_sku(shop["shop_id"], stock=5, price_fen=3000)
    order = api.post("/v1/orders", {"items": [{"sku_id": sku, "quantity": 1}], "coupon_id": got["coupon_id"],
                                    "delivery": {"type": "express", "address": ADDRESS}},
                     token=friend["token"], headers={"Idempotency-Key": str(uuid.uuid4())})
    assert order.status == 201, order.body
    assert order.body["discount_fen"] >= 2000 and order.body["coupon_id"] == got["coupon_id"]
    spent = redeem(api, shop, got["code"])
    assert spent.status == 409 and spent.body["error"]["code"] == "gift_voucher_redeemed"
    view = api.get(f"/v1/gift-vouchers/{voucher['id']}", token=friend["token"]).body
    assert view["status"] == "redeemed" and view["redeemed_order_id"] == order.body["id"]


def test_take_back_resend_and_link_expiry(api, shop, shopper):
    _, (voucher,) = bought(api, shop, shopper)
    (friend,) = friends(api, shop, 1)
    first = send(api, shopper, voucher["id"])
    back = api.post(f"/v1/gift-vouchers/{voucher['id']}/take-back", token=shopper["token"])
    assert back.status == 200 and back.body["status"] == "held"
    again = api.post(f"/v1/gift-vouchers/{voucher['id']}/take-back", token=shopper["token"])
    assert again.status == 409 and again.body["error"]["code"] == "gift_voucher_not_sent"
    dead = claim(api, friend, first)
    assert dead.status == 404 and dead.body["error"]["code"] == "gift_share_not_found"
    second = send(api, shopper, voucher["id"])
    third = send(api, shopper, voucher["id"])  # re-sending replaces the link
    assert claim(api, friend, second).status == 404
    GiftVoucher(*GiftVoucher.key(shop["shop_id"], voucher["id"])).update(
        actions=[GiftVoucher.share_expires_at.set(now() - 1)])
    expired = claim(api, friend, third)
    assert expired.status == 409 and expired.body["error"]["code"] == "gift_share_expired"
    assert api.post("/v1/gift-voucher-shares/open", {"token": third}, token=friend["token"]).body["status"] == "link_expired"
    assert api.get(f"/v1/gift-vouchers/{voucher['id']}", token=shopper["token"]).body["status"] == "held"
    assert claim(api, friend, send(api, shopper, voucher["id"])).status == 201
    assert api.post(f"/v1/gift-vouchers/{voucher['id']}/send", {}, token=shopper["token"]).status == 409
    bad = api.post("/v1/gift-voucher-claims", {"token": "short"}, token=friend["token"])
    assert bad.status == 422 and bad.body["error"]["field"] == "token"


def test_a_refund_voids_as_many_unclaimed_vouchers_as_units_refunded(api, shop, shopper):
    """Rule: refunded units void unclaimed vouchers in unit order; a claimed one stays with its friend."""
    order_id, vouchers = bought(api, shop, shopper, quantity=4)
    (friend,) = friends(api, shop, 1)
    assert claim(api, friend, send(api, shopper, vouchers[0]["id"])).status == 201
    link = send(api, shopper, vouchers[1]["id"])
    order = get_order(shop["shop_id"], order_id, consistent=True)
    sku_id = order.lines[0]["sku_id"]
    pk, _ = order.PK, order.SK
    Refund(pk, "REFUND#R1", order_id=order_id, out_refund_no="R1", amount_fen=10000, reason="test",
           status="succeeded", lines=[{"sku_id": sku_id, "quantity": 2}], created_at=now(), updated_at=now()).save()
    image = {"shop_id": shop["shop_id"], "order_id": order_id, "user_id": shopper["user_id"], "status": "paid",
             "lines": order.lines, "refunded_fen": 0}
    gift_vouchers.order_gift_vouchers(image, dict(image, refunded_fen=10000), now())
    statuses = [api.get(f"/v1/gift-vouchers/{v['id']}", token=shopper["token"]).body["status"] for v in vouchers]
    assert statuses == ["claimed", "void", "void", "held"]
    void = claim(api, friend, link)
    assert void.status == 409 and void.body["error"]["code"] == "gift_voucher_void"
    assert gift_vouchers.void_for_refunds(dict(image, refunded_fen=10000)) == 0  # a redelivery voids nothing more
    whole = dict(image, status="refunded", refunded_fen=20000)
    gift_vouchers.order_gift_vouchers(dict(image, status="refunding", refunded_fen=10000), whole, now())
    listed = api.get(f"/admin/v1/orders/{order_id}/gift-vouchers", token=shop["api_key"]).body["items"]
    assert [v["status"] for v in listed] == ["claimed", "void", "void", "void"]
    refused = api.post(f"/v1/gift-vouchers/{vouchers[3]['id']}/send", {}, token=shopper["token"])
    assert refused.status == 409 and refused.body["error"]["code"] == "gift_voucher_void"


def test_product_settings_set_validity_and_what_the_voucher_pays_for(api, shop, shopper):
    sku_id, product_id = voucher_product(shop)
    coffee = Sku.get(*Sku.key(shop["shop_id"], make_sku(shop["shop_id"]))).product_id
    path = f"/admin/v1/gift-voucher-products/{product_id}"
    assert api.get(path, token=shop["api_key"]).body["valid_days"] == 365
    put = api.put(path, {"valid_days": 30, "share_seconds": 3600, "redeem_product_ids": [coffee]}, token=shop["api_key"])
    assert put.status == 200 and put.body["redeem_product_ids"] == [coffee]
    physical = api.put(f"/admin/v1/gift-voucher-products/{coffee}", {}, token=shop["api_key"])
    assert physical.status == 409 and physical.body["error"]["code"] == "not_a_voucher_product"
    unknown = api.put(path, {"redeem_product_ids": ["01ARZ3NDEKTSV4RRFFQ69G5FAV"]}, token=shop["api_key"])
    assert unknown.status == 422 and unknown.body["error"]["field"] == "redeem_product_ids"
    order = place(api, shopper, sku_id)
    mark_paid(shop["shop_id"], order["id"])
    drain(shop["shop_id"])
    (voucher,) = api.get(f"/v1/orders/{order['id']}/gift-vouchers", token=shopper["token"]).body["items"]
    assert now() + 29 * 86400 < voucher["valid_until"] <= now() + 30 * 86400
    sent = api.post(f"/v1/gift-vouchers/{voucher['id']}/send", {}, token=shopper["token"]).body
    assert sent["share_expires_at"] <= now() + 3600 and sent["share"]["path"].endswith(sent["share_token"])
    (friend,) = friends(api, shop, 1)
    got = claim(api, friend, sent["share_token"]).body
    coupon = coupons.get_coupon(shop["shop_id"], friend["user_id"], got["coupon_id"], consistent=True)
    assert coupon.rule["product_ids"] == [coffee]
    mine = api.get("/v1/me/gift-vouchers", token=shopper["token"]).body["items"]
    assert [v["id"] for v in mine] == [voucher["id"]]


@pytest.mark.parametrize("body, field", [({"valid_days": 0}, "valid_days"), ({"colour": "red"}, "colour")])
def test_bad_settings_are_422_naming_the_field(api, shop, body, field):
    _, product_id = voucher_product(shop)
    reply = api.put(f"/admin/v1/gift-voucher-products/{product_id}", body, token=shop["api_key"])
    assert reply.status == 422 and reply.body["error"]["field"] == field


def test_another_shop_cannot_reach_this_shops_vouchers(api, shop, shopper, platform_key):
    order_id, (voucher,) = bought(api, shop, shopper)
    token = send(api, shopper, voucher["id"])
    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    stranger = api.login(other["shop_id"], "mallory")
    assert claim(api, stranger, token).status == 404
    assert api.post("/v1/gift-voucher-shares/open", {"token": token}, token=stranger["token"]).status == 404
    assert api.get(f"/v1/gift-vouchers/{voucher['id']}", token=stranger["token"]).status == 404
    assert api.post(f"/v1/gift-vouchers/{voucher['id']}/send", {}, token=stranger["token"]).status == 404
    assert api.get(f"/admin/v1/orders/{order_id}/gift-vouchers", token=other["api_key"]).status == 404
    assert api.get(f"/admin/v1/gift-voucher-products/{voucher['product_id']}", token=other["api_key"]).status == 404
    (friend,) = friends(api, shop, 1)
    code = claim(api, friend, token).body["code"]
    assert redeem(api, other, code).status == 404
