"""Group-buy notifications come from the real table stream (DynamoDB Local): joined, formed, lottery won,
failed-and-refunded — once each, even when a batch is delivered twice."""
import time

import pytest

import app as application
from functions.groupbuy import timer
from tests.fakes.catalog import make_sku
from tests.fakes.orders import wechat_sandbox  # noqa: F401
from tests.integration.test_notifications import stream_records_for
from tests.statemachines.support import create_activity, join, open_group, paid, ready_to_pay

pytestmark = pytest.mark.usefixtures("wechat_sandbox")


def _deliver(group_id):
    event = stream_records_for(group_id)
    consumer = application.app.handler_map["on_table_change"]
    consumer(event, None)
    consumer(event, None)  # redelivered: nothing new


def _templates(api, who):
    return sorted(n["template"] for n in api.get("/v1/me/notifications?limit=100", token=who["token"]).body["items"]
                  if n["template"].startswith("group_"))


def test_joined_formed_and_failed_refunded(api, shop, shopper, monkeypatch):
    shop_id = shop["shop_id"]
    ready_to_pay(shop_id)
    friend, loner = api.login(shop_id, "friend"), api.login(shop_id, "loner")
    sku = make_sku(shop_id, stock=10)
    formed = open_group(api, shopper, create_activity(api, shop, sku, group_size=2, duration_seconds=60))
    paid(shop_id, formed["order_id"])
    paid(shop_id, join(api, friend, formed["group_id"]).body["order_id"])
    failing = open_group(api, loner, create_activity(api, shop, sku, group_size=2, duration_seconds=60))
    paid(shop_id, failing["order_id"])
    monkeypatch.setattr(timer, "now", lambda: failing["expires_at"] + 1)  # the timer's steps run at the deadline
    step = timer.settle({"shop_id": shop_id, "group_id": failing["group_id"]})
    for item in step["refunds"]:
        timer.refund_member(item)
    _deliver(formed["group_id"])
    _deliver(failing["group_id"])
    assert _templates(api, shopper) == ["group_formed", "group_joined", "group_member_joined"]
    assert _templates(api, friend) == ["group_formed", "group_joined"]
    assert _templates(api, loner) == ["group_failed_refunded", "group_joined"]


def test_lottery_winner_and_refunded_losers_are_told(api, shop, shopper, monkeypatch):
    shop_id = shop["shop_id"]
    ready_to_pay(shop_id)
    others = [api.login(shop_id, name) for name in ("b", "c")]
    ends_at = int(time.time()) + 120
    activity = create_activity(api, shop, make_sku(shop_id), kind="lottery", group_size=3, winners=1,
                               duration_seconds=60, ends_at=ends_at)
    opened = open_group(api, shopper, activity)
    paid(shop_id, opened["order_id"])
    for who in others:
        paid(shop_id, join(api, who, opened["group_id"]).body["order_id"])
    monkeypatch.setattr(timer, "now", lambda: ends_at + 1)  # the draw step runs at the activity's end
    step = timer.draw({"shop_id": shop_id, "group_id": opened["group_id"]})
    for item in step["refunds"]:
        timer.refund_member(item)
    _deliver(opened["group_id"])
    received = [_templates(api, who) for who in [shopper] + others]
    assert all({"group_formed", "group_joined"} <= set(t) for t in received)
    assert sorted(("group_lottery_won" in t, "group_lottery_refunded" in t) for t in received) == [
        (False, True), (False, True), (True, False)]
    assert received[0].count("group_member_joined") == 2  # the leader heard of both joiners
