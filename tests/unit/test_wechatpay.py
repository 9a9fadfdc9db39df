"""WeChat Pay v3 pieces without a database: crypto, key selection, envelope checks, the live client offline."""
import base64
import json
import time

import pytest
import wechatpayv3.core
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from wechatpayv3 import WeChatPay, WeChatPayType

from crowdcart.payments import crypto, gateway, webhook
from crowdcart.payments.config import MerchantConfig, normalize_serial
from crowdcart.payments.refunds import refund_number
from crowdcart.payments.sandbox import platform_keys, signed_notification


@pytest.fixture(scope="module")
def keys():
    """Merchant and platform keys: a PUB_KEY_ID_ key and a certificate (another key pair)."""
    platform = platform_keys()
    cert = crypto.self_signed_certificate(platform["certificate_key"], "test platform", 0x0ABCDEF123)
    return {"merchant": platform["merchant_key"], "platform": platform["public_key_mode_key"],
            "cert_key": platform["certificate_key"], "cert": cert}


@pytest.fixture(scope="module")
def config(keys):
    """A merchant config held in memory."""
    return MerchantConfig(shop_id="01HSHOP0000000000000000000", mchid="1900000109", appid="wx1234567890abcdef",
                          merchant_serial_no="444F4864EA9B34415", private_key_pem=keys["merchant"],
                          apiv3_key="a" * 16 + "B" * 16,
                          public_keys={"PUB_KEY_ID_0114232806052025": crypto.public_pem_of(keys["platform"])},
                          certificates={"ABCDEF123": keys["cert"]})


def _verify_with(pem_private: str, message: str, signature: str) -> None:
    crypto.private_key(pem_private).public_key().verify(base64.b64decode(signature), message.encode(), PKCS1v15(),
                                                        SHA256())


def test_encrypt_then_wechatpayv3_decrypts_and_tampering_fails(config):
    nonce, ciphertext = crypto.encrypt('{"a":1}', "transaction", config.apiv3_key)
    assert len(nonce) == 12
    assert crypto.decrypt(nonce, ciphertext, "transaction", config.apiv3_key) == '{"a":1}'
    raw = bytearray(base64.b64decode(ciphertext))
    raw[0] ^= 1
    assert crypto.decrypt(nonce, base64.b64encode(bytes(raw)).decode(), "transaction", config.apiv3_key) is None
    assert crypto.decrypt(nonce, ciphertext, "refund", config.apiv3_key) is None
    assert crypto.decrypt(nonce, "not base64!!", "transaction", config.apiv3_key) is None


@pytest.mark.parametrize("key_kind", ["public_key", "certificate"])
def test_sandbox_notifications_pass_wechatpayv3s_own_callback_check(config, key_kind):
    """An independent implementation (wechatpayv3's Core.callback) accepts what our simulator builds."""
    resource = {"out_trade_no": "X", "amount": {"total": 5}}
    headers, body = signed_notification(config, "TRANSACTION.SUCCESS", resource, key_kind=key_kind)
    serial = headers["Wechatpay-Serial"]
    public = config.public_keys.get(serial) or crypto.public_pem_of(
        platform_keys()["certificate_key"])
    client = WeChatPay(wechatpay_type=WeChatPayType.MINIPROG, mchid=config.mchid, private_key=config.private_key_pem,
                       cert_serial_no=config.merchant_serial_no, appid=config.appid, apiv3_key=config.apiv3_key,
                       public_key=public, public_key_id=serial)
    result = client.callback(headers, body.decode())
    assert result["resource"] == resource and result["event_type"] == "TRANSACTION.SUCCESS"
    assert client.callback(dict(headers, **{"Wechatpay-Nonce": "other"}), body.decode()) is None


def test_verification_key_by_public_key_id_or_certificate_serial(config):
    assert config.verification_key("PUB_KEY_ID_0114232806052025") is not None
    assert config.verification_key("abcdef123") is not None
    assert config.verification_key("0000ABCDEF123") is not None
    assert config.verification_key("PUB_KEY_ID_OTHER") is None
    assert config.verification_key("123456") is None
    assert normalize_serial("00ab") == "AB" and normalize_serial("PUB_KEY_ID_x") == "PUB_KEY_ID_x"


def test_an_expired_certificate_verifies_nothing(keys):
    old = crypto.self_signed_certificate(keys["cert_key"], "old", 77, days=5, start_days_ago=10)
    expired = MerchantConfig(shop_id="s", mchid="m", appid="a", merchant_serial_no="1", private_key_pem=keys["merchant"],
                             apiv3_key="k" * 32, certificates={"4D": old})
    assert expired.verification_key("4D") is None


@pytest.mark.parametrize("change, status, reason", [
    ({"Wechatpay-Signature": "WECHATPAY/SIGNTEST/abc"}, 401, "signature_probe"),
    ({"Wechatpay-Timestamp": -301}, 401, "stale_timestamp"),
    ({"Wechatpay-Timestamp": 400}, 401, "stale_timestamp"),
    ({"Wechatpay-Timestamp": "soon"}, 400, "bad_timestamp"),
    ({"Wechatpay-Nonce": ""}, 400, "missing_headers"),
    ({"Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"}, 400, "signature_type"),
])
def test_envelope_checks_refuse_before_any_lookup(config, change, status, reason):
    headers, body = signed_notification(config, "TRANSACTION.SUCCESS", {"x": 1})
    change = {k: str(int(time.time()) + v) if isinstance(v, int) else v for k, v in change.items()}
    with pytest.raises(webhook.WebhookRejected) as caught:
        webhook.verify(dict(headers, **change), body, shop_id="not-a-shop")
    assert (caught.value.status, caught.value.reason) == (status, reason)
    assert caught.value.to_body()["code"] == "FAIL"


def test_jsapi_pay_sign_is_rsa_over_the_four_lines(config, keys):
    params = gateway.jsapi_params(config, "wx2014")
    assert params["package"] == "prepay_id=wx2014" and params["signType"] == "RSA"
    assert params["appId"] == config.appid and len(params["nonceStr"]) == 32
    message = f"{config.appid}\n{params['timeStamp']}\n{params['nonceStr']}\nprepay_id=wx2014\n"
    _verify_with(keys["merchant"], message, params["paySign"])


class _Reply:
    def __init__(self, status, data, platform_key, serial):
        self.status_code, self.text = status, json.dumps(data)
        stamp, nonce = str(int(time.time())), crypto.nonce(16)
        self.headers = {"Content-Type": "application/json", "Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
                        "Wechatpay-Serial": serial, "Wechatpay-Signature-Type": crypto.SIGNATURE_TYPE,
                        "Wechatpay-Signature": crypto.sign(platform_key, f"{stamp}\n{nonce}\n{self.text}\n")}


class _Order:
    order_id, payable_fen, pay_deadline_at, transaction_id = "01HORDER000000000000000000", 2500, 1_900_000_000, "4200X"
    lines = [{"title": "Tea", "quantity": 1}, {"title": "Cup", "quantity": 2}]


class _Refund:
    out_refund_no, amount_fen, reason = "01HORDER000000000000000000RABC", 500, "broken"


def test_live_gateway_calls_wechat_through_wechatpayv3(monkeypatch, config, keys):
    """Live mode, offline: the JSAPI and refund requests wechatpayv3 sends, signed with the merchant key,
    and WeChat's signed answer verified with the platform public key."""
    sent = []

    def fake_post(url, json=None, headers=None, **_):
        sent.append((url, json, headers))
        answer = {"prepay_id": "wx201410272009395522657a690389285100"} if "jsapi" in url else {"status": "PROCESSING"}
        return _Reply(200, answer, keys["platform"], "PUB_KEY_ID_0114232806052025")

    monkeypatch.setattr(wechatpayv3.core.requests, "post", fake_post)
    live = gateway.LiveGateway()
    assert live.prepay(config, _Order(), "o-openid", "https://api.example.com/webhooks/wechatpay/S") == \
        "wx201410272009395522657a690389285100"
    url, body, headers = sent[0]
    assert url == "https://api.mch.weixin.qq.com/v3/pay/transactions/jsapi"
    assert body["out_trade_no"] == _Order.order_id and body["amount"] == {"total": 2500, "currency": "CNY"}
    assert body["payer"] == {"openid": "o-openid"} and body["appid"] == config.appid and body["mchid"] == config.mchid
    assert body["notify_url"].endswith("/webhooks/wechatpay/S") and body["time_expire"].endswith("+08:00")
    assert body["description"] == "Tea +1"
    assert headers["Authorization"].startswith('WECHATPAY2-SHA256-RSA2048 mchid="1900000109"')
    assert headers["Wechatpay-Serial"] == "PUB_KEY_ID_0114232806052025"
    live.refund(config, _Order(), _Refund(), "https://api.example.com/webhooks/wechatpay/S")
    url, body, _ = sent[1]
    assert url == "https://api.mch.weixin.qq.com/v3/refund/domestic/refunds"
    assert body["out_refund_no"] == _Refund.out_refund_no and body["transaction_id"] == "4200X"
    assert body["amount"] == {"refund": 500, "total": 2500, "currency": "CNY"}


@pytest.mark.parametrize("status, code, retryable", [(500, "SYSTEM_ERROR", True), (400, "PARAM_ERROR", False),
                                                      (403, "NOT_ENOUGH", True), (429, "FREQUENCY_LIMITED", True)])
def test_live_gateway_errors_say_whether_to_retry(monkeypatch, config, keys, status, code, retryable):
    monkeypatch.setattr(wechatpayv3.core.requests, "post",
                        lambda *a, **k: _Reply(status, {"code": code, "message": "no"}, keys["platform"], "x"))
    with pytest.raises(gateway.GatewayError) as caught:
        gateway.LiveGateway().refund(config, _Order(), _Refund(), "https://x/y")
    assert caught.value.code == code and caught.value.retryable is retryable


def test_an_unverifiable_or_unreachable_wechat_is_retryable(monkeypatch, config, keys):
    forged = lambda *a, **k: _Reply(200, {"prepay_id": "wx1"}, keys["merchant"], "PUB_KEY_ID_0114232806052025")
    monkeypatch.setattr(wechatpayv3.core.requests, "post", forged)
    with pytest.raises(gateway.GatewayError) as caught:
        gateway.LiveGateway().prepay(config, _Order(), "o", "https://x/y")
    assert caught.value.retryable

    def down(*a, **k):
        raise ConnectionError("no route")

    monkeypatch.setattr(wechatpayv3.core.requests, "post", down)
    with pytest.raises(gateway.GatewayError) as caught:
        gateway.LiveGateway().prepay(config, _Order(), "o", "https://x/y")
    assert caught.value.code == "UNREACHABLE" and caught.value.retryable


def test_refund_numbers_are_deterministic_per_cause_and_valid_for_wechat():
    first = refund_number("S", "01HORDER000000000000000000", "group_failed")
    assert first == refund_number("S", "01HORDER000000000000000000", "group_failed")
    assert first != refund_number("S", "01HORDER000000000000000000", "after_sales:1")
    assert len(first) <= 64 and first.isalnum()
