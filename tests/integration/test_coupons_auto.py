"""Coupons issued automatically, exactly once per cause: first login, received order, birthday (reaction and
the daily sweeper), from the real table stream."""
from datetime import timedelta

import pytest

import app as application
from crowdcart.clock import now
from crowdcart.db.models.members import BIRTHDAY_DUE, BirthdayEntry
from crowdcart.domain import members as calendar
from crowdcart.rewards import birthdays
from local.loops import _schedule_event
from tests.fakes import rewards
from tests.fakes.catalog import make_sku
from tests.fakes.stream import drain, replay
from tests.integration.test_order_lifecycle import mark_paid

DAY = 86400


def wallet(api, shopper, status="unused"):
    return api.get(f"/v1/me/coupons?status={status}", token=shopper["token"]).body["items"]


def test_new_customer_coupon_on_first_login_only(api, shop):
    tpl = rewards.template(api, shop, name="新人券", kind="no_threshold", amount_off_fen=500, min_spend_fen=0,
                           public=False)
    rewards.settings(api, shop, new_customer_coupon_template_id=tpl["id"])
    first = api.login(shop["shop_id"], "newbie")
    again = api.login(shop["shop_id"], "newbie")
    assert first["is_new"] and not again["is_new"]
    drain(shop["shop_id"])
    replay(shop["shop_id"])
    coupons = wallet(api, first)
    assert [c["name"] for c in coupons] == ["新人券"] and coupons[0]["template_id"] == tpl["id"]
    assert api.get(f"/admin/v1/coupon-templates/{tpl['id']}", token=shop["api_key"]).body["claimed"] == 1


def test_order_coupon_once_per_received_order_above_the_minimum(api, shop, shopper):
    tpl = rewards.template(api, shop, name="返券", public=False)
    rewards.settings(api, shop, order_coupon_template_id=tpl["id"], order_coupon_min_paid_fen=5000)
    for price in (6000, 3000):
        sku = make_sku(shop["shop_id"], stock=5, price_fen=price)
        order_id = rewards.order(api, shopper, sku).body["id"]
        mark_paid(shop["shop_id"], order_id)
        rewards.ship_and_receive(api, shop, shopper, order_id)
    drain(shop["shop_id"])
    replay(shop["shop_id"])
    assert [c["name"] for c in wallet(api, shopper)] == ["返券"]


def test_a_sold_out_automatic_coupon_is_skipped_without_failing_the_stream(api, shop):
    tpl = rewards.template(api, shop, name="新人券", public=False, quota=1)
    rewards.settings(api, shop, new_customer_coupon_template_id=tpl["id"])
    first, second = api.login(shop["shop_id"], "u1"), api.login(shop["shop_id"], "u2")
    drain(shop["shop_id"])
    assert len(wallet(api, first)) + len(wallet(api, second)) == 1


@pytest.fixture
def birthday_coupon(api, shop):
    tpl = rewards.template(api, shop, name="生日券", public=False, quota=10)
    rewards.settings(api, shop, birthday_coupon_template_id=tpl["id"], birthday_coupon_days_before=3)
    return tpl


def test_birthday_set_inside_the_window_issues_at_once(api, shop, shopper, birthday_coupon):
    soon = calendar.local_date(now()) + timedelta(days=2)
    assert api.patch("/v1/me", {"birthday": f"1990-{soon:%m-%d}"}, token=shopper["token"]).status == 200
    drain(shop["shop_id"])
    replay(shop["shop_id"])
    assert [c["name"] for c in wallet(api, shopper)] == ["生日券"]
    entry = BirthdayEntry.get(*BirthdayEntry.key(shop["shop_id"], shopper["user_id"]), consistent_read=True)
    assert entry.next_occurrence == calendar.birthday_in(soon.year + 1, soon).isoformat()  # waits for next year


def test_the_daily_sweeper_issues_when_the_window_opens_once_a_year(api, shop, shopper, birthday_coupon):
    later = calendar.local_date(now()) + timedelta(days=40)
    api.patch("/v1/me", {"birthday": f"1990-{later:%m-%d}"}, token=shopper["token"])
    drain(shop["shop_id"])
    assert wallet(api, shopper) == []
    key = BirthdayEntry.key(shop["shop_id"], shopper["user_id"])
    entry = BirthdayEntry.get(*key, consistent_read=True)
    occurrence = calendar.parse_date(entry.next_occurrence)
    opens = calendar.birthday_window_opens(occurrence, 3)
    assert entry.DUEPK == BIRTHDAY_DUE and entry.DUESK.startswith(f"{opens:010d}#")
    application.app.handler_map["sweep_birthday_coupons"](_schedule_event("sweep_birthday_coupons"), None)
    assert wallet(api, shopper) == []  # the daily run today: not due yet
    birthdays.process(BirthdayEntry.get(*key, consistent_read=True), birthdays.shop_settings(shop["shop_id"]),
                      at=opens + 3600)
    birthdays.process(entry, birthdays.shop_settings(shop["shop_id"]), at=opens + 7200)  # a stale, concurrent sweep
    assert [c["name"] for c in wallet(api, shopper)] == ["生日券"]
    moved = BirthdayEntry.get(*key, consistent_read=True)
    assert moved.next_occurrence == calendar.birthday_in(occurrence.year + 1, occurrence).isoformat()
    assert api.get(f"/admin/v1/coupon-templates/{birthday_coupon['id']}",
                   token=shop["api_key"]).body["claimed"] == 1


def test_the_sweep_finds_due_entries_on_the_index(api, shop, shopper, birthday_coupon):
    later = calendar.local_date(now()) + timedelta(days=10)
    api.patch("/v1/me", {"birthday": f"1990-{later:%m-%d}"}, token=shopper["token"])
    drain(shop["shop_id"])
    occurrence = calendar.birthday_in(later.year, later)
    assert birthdays.sweep(at=calendar.birthday_window_opens(occurrence, 3) + 60) >= 1
    assert [c["name"] for c in wallet(api, shopper)] == ["生日券"]
