"""POST /webhooks/wechatpay[/{shop_id}]: WeChat Pay v3 notifications verified as WeChat signs them.

Every refused notification must answer non-2xx with {"code": "FAIL"} and change nothing.
"""
import base64
import json
import time

import pytest

from crowdcart.db.orders import cancel_unpaid
from crowdcart.payments import crypto
from crowdcart.payments.config import merchant_config, save_profile
from crowdcart.payments.models import NotificationMarker
from crowdcart.payments.refunds import refunds_of
from crowdcart.payments.sandbox import controls, signed_notification, transaction_resource
from tests.fakes.orders import (load_order, make_pending_order, make_sku, order_events, stock,  # noqa: F401
                                wechat_sandbox)

pytestmark = pytest.mark.usefixtures("wechat_sandbox")


@pytest.fixture
def setup(shop, shopper):
    """A pending order (3 × 990 fen) and the shop's sandbox merchant config."""
    sku = make_sku(shop["shop_id"], stock=10, price_fen=990)
    order = make_pending_order(shop["shop_id"], shopper["user_id"], [(sku, 3)])
    return {"shop_id": shop["shop_id"], "order": order, "sku": sku, "config": merchant_config(shop["shop_id"])}


def _post(api, headers, body, shop_id=None):
    path = f"/webhooks/wechatpay/{shop_id}" if shop_id else "/webhooks/wechatpay"
    return api.request("POST", path, headers=headers, raw=body)


def _snapshot(setup):
    shop_id, order_id = setup["shop_id"], setup["order"].order_id
    order = load_order(shop_id, order_id)
    markers = list(NotificationMarker.query(order.PK, NotificationMarker.SK.startswith("WXNOTIFY#"),
                                            consistent_read=True))
    return {"status": order.status, "transaction_id": order.transaction_id, "events": len(order_events(shop_id, order_id)),
            "stock": stock(shop_id, setup["sku"]), "markers": len(markers), "refunds": len(refunds_of(shop_id, order_id))}


def _payment(setup, **kwargs):
    resource = transaction_resource(setup["config"], setup["order"], kwargs.pop("amount_fen", None))
    resource.update(kwargs.pop("resource", {}))
    return signed_notification(setup["config"], "TRANSACTION.SUCCESS", resource, **kwargs)


def test_a_payment_notification_marks_the_order_paid_with_204_and_no_body(api, setup):
    headers, body = _payment(setup)
    reply = _post(api, headers, body, setup["shop_id"])
    assert reply.status == 204 and reply.body is None
    order = load_order(setup["shop_id"], setup["order"].order_id)
    assert order.status == "paid" and order.transaction_id.startswith("4200") and order.paid_at
    assert order.DUEPK is None and order.DUESK is None
    assert order.GSI2PK.endswith("#STATUS#paid")
    assert _snapshot(setup)["markers"] == 1


def test_the_bare_url_finds_the_shop_by_its_serial(api, setup):
    headers, body = _payment(setup, key_kind="certificate")
    assert headers["Wechatpay-Serial"] in setup["config"].certificates
    assert _post(api, headers, body).status == 204
    assert load_order(setup["shop_id"], setup["order"].order_id).status == "paid"


def test_delivered_five_times_in_sequence_it_applies_once(api, setup):
    headers, body = _payment(setup)
    replies = [_post(api, headers, body, setup["shop_id"]).status for _ in range(5)]
    other_id_same_payment = _payment(setup, key_kind="certificate")
    replies.append(_post(api, *other_id_same_payment, setup["shop_id"]).status)
    assert replies == [204] * 6
    assert len(order_events(setup["shop_id"], setup["order"].order_id, "status:paid")) == 1
    assert _snapshot(setup)["events"] == 2 and _snapshot(setup)["markers"] == 1


def test_two_public_keys_at_once_during_a_rotation(api, setup):
    config = setup["config"]
    newer = crypto.new_private_key_pem()
    save_profile(setup["shop_id"], config.merchant_serial_no,
                 dict(config.public_keys, PUB_KEY_ID_0199999999999999=crypto.public_pem_of(newer)), config.certificates)
    old_headers, old_body = _payment(setup)
    assert _post(api, old_headers, old_body, setup["shop_id"]).status == 204
    new_headers, new_body = _payment(setup, signing_key=newer, serial="PUB_KEY_ID_0199999999999999",
                                     notification_id_="EV-rotated")
    assert _post(api, new_headers, new_body, setup["shop_id"]).status == 204
    assert len(order_events(setup["shop_id"], setup["order"].order_id, "status:paid")) == 1


def _forged_signature(setup):
    headers, body = _payment(setup)
    raw = bytearray(base64.b64decode(headers["Wechatpay-Signature"]))
    raw[10] ^= 0xFF
    return dict(headers, **{"Wechatpay-Signature": base64.b64encode(bytes(raw)).decode()}), body


def _wrong_key(setup):
    return _payment(setup, signing_key=crypto.new_private_key_pem())


def _stale(setup):
    return _payment(setup, timestamp=int(time.time()) - 6 * 60)


def _probe(setup):
    headers, body = _payment(setup)
    return dict(headers, **{"Wechatpay-Signature": "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"][19:]}), body


def _tampered_ciphertext(setup):
    headers, body = _payment(setup)
    data = json.loads(body)
    sealed = bytearray(base64.b64decode(data["resource"]["ciphertext"]))
    sealed[5] ^= 0x01
    data["resource"]["ciphertext"] = base64.b64encode(bytes(sealed)).decode()
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    from crowdcart.payments.sandbox import platform_keys

    stamp, nonce = headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"]
    signature = crypto.sign(platform_keys()["public_key_mode_key"], f"{stamp}\n{nonce}\n{raw}\n")
    return dict(headers, **{"Wechatpay-Signature": signature}), raw.encode()


def _body_swapped(setup):
    headers, _ = _payment(setup)
    _, other_body = _payment(setup, amount_fen=1)
    return headers, other_body


def _different_amount(setup):
    return _payment(setup, amount_fen=int(setup["order"].payable_fen) - 1)


def _unknown_order(setup):
    return _payment(setup, resource={"out_trade_no": "01ARZ3NDEKTSV4RRFFQ69G5FAV"})


def _other_merchant(setup):
    return _payment(setup, resource={"mchid": "1999999999"})


def _unknown_serial(setup):
    return _payment(setup, serial="PUB_KEY_ID_0100000000000000")


@pytest.mark.parametrize("forge, status", [
    (_forged_signature, 401), (_wrong_key, 401), (_stale, 401), (_probe, 401), (_tampered_ciphertext, 400),
    (_body_swapped, 401), (_different_amount, 400), (_unknown_order, 404), (_other_merchant, 400),
    (_unknown_serial, 401),
])
def test_refused_notifications_change_nothing(api, setup, forge, status):
    before = _snapshot(setup)
    headers, body = forge(setup)
    reply = _post(api, headers, body, setup["shop_id"])
    assert reply.status == status, reply.body
    assert reply.body["code"] == "FAIL" and reply.body["message"]
    assert _snapshot(setup) == before
    assert before["status"] == "pending_payment"


def test_a_notification_for_one_shop_is_refused_at_another_shops_url(api, setup, platform_key):
    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    merchant_config(other["shop_id"])
    headers, body = _payment(setup)
    assert _post(api, headers, body, other["shop_id"]).status == 401
    assert _post(api, headers, body, "01ARZ3NDEKTSV4RRFFQ69G5FAV").status == 404
    assert _post(api, headers, body, "not-an-id").status == 404
    assert load_order(setup["shop_id"], setup["order"].order_id).status == "pending_payment"


def test_a_payment_after_the_timeout_is_recorded_and_refunded_once(api, setup):
    cancel_unpaid(setup["order"], "sweeper", "pay_timeout")
    headers, body = _payment(setup)
    for _ in range(3):
        assert _post(api, headers, body, setup["shop_id"]).status == 204
    assert _post(api, *_payment(setup, key_kind="certificate"), setup["shop_id"]).status == 204
    order = load_order(setup["shop_id"], setup["order"].order_id)
    assert order.status == "cancelled" and order.transaction_id.startswith("4200")
    assert order.refunded_fen == order.payable_fen
    (refund,) = refunds_of(setup["shop_id"], order.order_id)
    assert refund.status == "succeeded" and refund.amount_fen == order.payable_fen
    assert controls.refund_calls == [refund.out_refund_no]
    assert len(order_events(setup["shop_id"], order.order_id, "payment:late")) == 1
    assert stock(setup["shop_id"], setup["sku"]) == 10


def test_an_unhandled_event_type_is_acknowledged(api, setup):
    headers, body = signed_notification(setup["config"], "TRANSACTION.CLOSED", {"out_trade_no": "x"})
    assert _post(api, headers, body, setup["shop_id"]).status == 204
    assert load_order(setup["shop_id"], setup["order"].order_id).status == "pending_payment"
