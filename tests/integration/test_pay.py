"""POST /v1/orders/{id}/pay (JSAPI prepay), the sandbox pay route, and the merchant's WeChat Pay keys."""
import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from crowdcart.db.orders import cancel_unpaid
from crowdcart.payments import crypto
from crowdcart.payments.config import merchant_config
from tests.fakes.orders import load_order, make_pending_order, make_sku, order_events, wechat_sandbox  # noqa: F401

pytestmark = pytest.mark.usefixtures("wechat_sandbox")


@pytest.fixture
def order(shop, shopper):
    """A pending order of `shopper` for 2 × 1,250 fen."""
    sku = make_sku(shop["shop_id"], stock=5, price_fen=1250)
    return make_pending_order(shop["shop_id"], shopper["user_id"], [(sku, 2)])


def test_pay_returns_signed_mini_program_parameters(api, shop, shopper, order):
    reply = api.post(f"/v1/orders/{order.order_id}/pay", token=shopper["token"])
    assert reply.status == 200, reply.body
    prepay = reply.body["prepay"]
    assert set(prepay) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert prepay["package"].startswith("prepay_id=wx") and prepay["signType"] == "RSA"
    config = merchant_config(shop["shop_id"])
    assert prepay["appId"] == config.appid
    message = f"{prepay['appId']}\n{prepay['timeStamp']}\n{prepay['nonceStr']}\n{prepay['package']}\n"
    crypto.private_key(config.private_key_pem).public_key().verify(
        base64.b64decode(prepay["paySign"]), message.encode(), PKCS1v15(), SHA256())
    again = api.post(f"/v1/orders/{order.order_id}/pay", token=shopper["token"]).body["prepay"]
    assert again["package"] == prepay["package"] and again["nonceStr"] != prepay["nonceStr"]


def test_only_the_owner_pays_a_pending_order_before_its_deadline(api, shop, shopper, order):
    other = api.login(shop["shop_id"], "mallory")
    assert api.post(f"/v1/orders/{order.order_id}/pay", token=other["token"]).status == 404
    assert api.post("/v1/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV/pay", token=shopper["token"]).status == 404
    assert api.post(f"/v1/orders/{order.order_id}/pay", token=shop["api_key"]).status == 403
    assert api.post(f"/v1/orders/{order.order_id}/pay").status == 401
    sku = make_sku(shop["shop_id"])
    late = make_pending_order(shop["shop_id"], shopper["user_id"], [(sku, 1)], deadline_in=-1)
    reply = api.post(f"/v1/orders/{late.order_id}/pay", token=shopper["token"])
    assert reply.status == 409 and reply.body["error"]["code"] == "payment_deadline_passed"
    cancel_unpaid(order, "user", "changed_mind")
    reply = api.post(f"/v1/orders/{order.order_id}/pay", token=shopper["token"])
    assert reply.status == 409 and reply.body["error"]["code"] == "order_not_payable"


def test_another_shops_shopper_cannot_pay(api, platform_key, order):
    other_shop = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    stranger = api.login(other_shop["shop_id"], "alice")
    assert api.post(f"/v1/orders/{order.order_id}/pay", token=stranger["token"]).status == 404


def test_sandbox_pay_route_pays_through_the_webhook(api, shop, shopper, order):
    reply = api.post(f"/sandbox/wechatpay/orders/{order.order_id}/pay", {}, token=shopper["token"])
    assert reply.status == 200, reply.body
    assert reply.body["notification"] == {"status": 204, "outcome": "paid"}
    assert reply.body["order"]["status"] == "paid"
    paid = load_order(shop["shop_id"], order.order_id)
    assert paid.transaction_id == reply.body["transaction_id"] and paid.paid_at and paid.DUEPK is None
    again = api.post(f"/sandbox/wechatpay/orders/{order.order_id}/pay", {"key": "certificate"}, token=shopper["token"])
    assert again.body["notification"] == {"status": 204, "outcome": "duplicate"}
    assert len(order_events(shop["shop_id"], order.order_id, "status:paid")) == 1
    reply = api.post(f"/v1/orders/{order.order_id}/pay", token=shopper["token"])
    assert reply.status == 409


def test_sandbox_pay_with_a_wrong_amount_is_refused_by_the_webhook(api, shop, shopper, order):
    reply = api.post(f"/sandbox/wechatpay/orders/{order.order_id}/pay", {"amount_fen": 1}, token=shopper["token"])
    assert reply.body["notification"]["status"] == 400
    assert reply.body["notification"]["outcome"] == "amount_mismatch"
    assert load_order(shop["shop_id"], order.order_id).status == "pending_payment"


def _public_pem() -> str:
    return crypto.public_pem_of(crypto.new_private_key_pem())


def test_merchant_sets_pay_keys_and_appid_stays_with_the_wechat_endpoint(api, shop):
    owner = shop["api_key"]
    assert api.put("/admin/v1/wechat", {"appid": "wxmerchant0001", "mchid": "1600000001"}, token=owner).status == 200
    keys = {"merchant_serial_no": "3775b6a45acd588826d15e583a95f5dd",
            "public_keys": [{"id": "PUB_KEY_ID_0114232806052025", "pem": _public_pem()},
                            {"id": "PUB_KEY_ID_0114232806052026", "pem": _public_pem()}]}
    reply = api.put("/admin/v1/wechat/pay", keys, token=owner)
    assert reply.status == 200, reply.body
    view = api.get("/admin/v1/wechat/pay", token=owner).body
    assert view["appid"] == "wxmerchant0001" and view["mchid"] == "1600000001"
    assert view["public_key_ids"] == ["PUB_KEY_ID_0114232806052025", "PUB_KEY_ID_0114232806052026"]
    assert view["merchant_serial_no"] == "3775B6A45ACD588826D15E583A95F5DD"
    assert view["notify_url"].endswith(f"/webhooks/wechatpay/{shop['shop_id']}")
    assert "apiv3_key" not in view and "private_key" not in view
    assert api.get("/admin/v1/shop", token=owner).body["wechat"]["appid"] == "wxmerchant0001"


def test_pay_keys_are_validated_and_owner_only(api, shop):
    owner = shop["api_key"]
    bad_pem = {"merchant_serial_no": "AB", "public_keys": [{"id": "PUB_KEY_ID_1", "pem": "x" * 120}]}
    reply = api.put("/admin/v1/wechat/pay", bad_pem, token=owner)
    assert reply.status == 422 and reply.body["error"]["field"] == "public_keys"
    bad_id = {"merchant_serial_no": "AB", "public_keys": [{"id": "KEY_1", "pem": _public_pem()}]}
    assert api.put("/admin/v1/wechat/pay", bad_id, token=owner).status == 422
    cert = crypto.self_signed_certificate(crypto.new_private_key_pem(), "p", 0xBEEF)
    wrong_serial = {"merchant_serial_no": "AB", "certificates": [{"serial": "CAFE", "pem": cert}]}
    assert api.put("/admin/v1/wechat/pay", wrong_serial, token=owner).status == 422
    operator = api.post("/admin/v1/staff-keys", {"role": "operator"}, token=owner).body["api_key"]
    ok = {"merchant_serial_no": "AB", "certificates": [{"serial": "beef", "pem": cert}]}
    assert api.put("/admin/v1/wechat/pay", ok, token=operator).status == 403
    assert api.put("/admin/v1/wechat/pay", ok, token=owner).status == 200
    assert api.get("/admin/v1/wechat/pay", token=owner).body["certificate_serials"] == ["BEEF"]
