"""The WeChat subscribe-message sender against a fake HTTP client: tokens cached, errors mapped."""
import pytest

from crowdcart.errors import ServiceUnavailable
from crowdcart.reactions.subscribe_messages import SEND_URL, TOKEN_URL, StoreOnly, WeChatSender

WECHAT = {"appid": "wx123", "app_secret": "s3cret", "subscribe_templates": {"order_shipped": "TPL-SHIP"}}


class FakeHttp:
    def __init__(self, *send_replies):
        self.calls = []
        self.send_replies = list(send_replies)

    def post(self, url, json=None, params=None, timeout=None):
        self.calls.append((url, json, params))
        reply = {"access_token": f"tok{len(self.calls)}", "expires_in": 7200} if url == TOKEN_URL \
            else self.send_replies.pop(0)
        return type("R", (), {"json": lambda self: reply})()


def test_sends_with_a_cached_token_and_the_mapped_template():
    http = FakeHttp({"errcode": 0}, {"errcode": 0})
    sender = WeChatSender(http)
    assert sender.send(WECHAT, "openid-1", "order_shipped", {"order_id": "O1", "status": "shipped"}) == "sent"
    assert sender.send(WECHAT, "openid-1", "order_shipped", {"order_id": "O1"}) == "sent"
    assert [c[0] for c in http.calls] == [TOKEN_URL, SEND_URL, SEND_URL]
    url, body, params = http.calls[1]
    assert body["touser"] == "openid-1" and body["template_id"] == "TPL-SHIP" and params == {"access_token": "tok1"}
    assert body["data"]["status"] == {"value": "shipped"}


def test_unsubscribed_users_and_unmapped_templates_are_recorded_not_retried():
    assert WeChatSender(FakeHttp({"errcode": 43101})).send(WECHAT, "o", "order_shipped", {}) == "not_subscribed"
    assert WeChatSender(FakeHttp()).send(WECHAT, "o", "order_paid", {}) == "no_template"


def test_an_expired_token_is_dropped_and_the_delivery_retried():
    http = FakeHttp({"errcode": 42001}, {"errcode": 0})
    sender = WeChatSender(http)
    with pytest.raises(ServiceUnavailable):
        sender.send(WECHAT, "o", "order_shipped", {})
    assert sender.send(WECHAT, "o", "order_shipped", {}) == "sent"
    assert [c[0] for c in http.calls] == [TOKEN_URL, SEND_URL, TOKEN_URL, SEND_URL]


def test_local_mode_only_stores():
    assert StoreOnly().send(WECHAT, "o", "order_shipped", {}) == "stored"
