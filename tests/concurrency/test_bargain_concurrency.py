"""Bargain helps under contention against DynamoDB Local: exact cut counts, the floor and never below it."""
import pytest

from crowdcart.db.connection import Entity
from crowdcart.db.models.campaigns import BargainHelp, BargainSession, session_pk
from crowdcart.errors import Conflict
from functions.bargain import service
from functions.checkout.service import place_order
from tests.concurrency.conftest import make_shoppers, race
from tests.fakes.catalog import make_sku

pytestmark = pytest.mark.concurrency
EXPRESS = {"type": "express", "address": {"name": "A", "phone": "13800138000", "province": "P", "city": "C",
                                          "district": "", "detail": "D"}}


def new_bargain(shop_id, **overrides):
    sku = make_sku(shop_id, stock=100, price_fen=10_000)
    fields = {"sku_id": sku, "floor_price_fen": 1_000, "helpers_needed": 5, "duration_seconds": 3600, "stock": 10,
              "start_price_fen": None, "per_user_limit": 1, "daily_help_limit": 3, "buy_mode": "any_time",
              "starts_at": None, "ends_at": None, **overrides}
    return sku, service.create_bargain(shop_id, fields)["id"]


def helps_of(shop_id, session_id):
    items = list(Entity.query(session_pk(shop_id, session_id), consistent_read=True))
    session = next(i for i in items if isinstance(i, BargainSession))
    return session, sorted((i for i in items if isinstance(i, BargainHelp)), key=lambda h: h.seq)


def test_30_friends_at_once_on_a_session_needing_5_give_exactly_5_cuts_down_to_the_floor(shop):
    shop_id = shop["shop_id"]
    (owner,) = make_shoppers(shop_id, 1)
    _, bargain_id = new_bargain(shop_id)
    session_id = service.start_session(shop_id, bargain_id, owner)["session_id"]
    helpers = make_shoppers(shop_id, 30)  # they join the shop through the shared session: new users
    results = race([lambda h=h: service.help_session(shop_id, session_id, h) for h in helpers])
    cuts = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert [r for r in results if not isinstance(r, (dict, Conflict))] == []
    assert len(cuts) == 5 and len(refused) == 25
    assert {r.code for r in refused} == {"bargain_complete"}
    session, helps = helps_of(shop_id, session_id)
    assert session.helps == 5 and session.current_price_fen == session.floor_price_fen == 1_000
    assert session.new_helpers == 5
    assert [h.seq for h in helps] == [1, 2, 3, 4, 5]
    assert [h.cut_fen for h in helps] == list(session.cuts) and sum(session.cuts) == 9_000
    assert [h.price_after_fen for h in helps][-1] == 1_000 and min(h.price_after_fen for h in helps) == 1_000
    assert sorted(r["helps"] for r in cuts) == [1, 2, 3, 4, 5]
    assert service.get_bargain(shop_id, bargain_id, for_merchant=True)["stats"]["new_helpers"] == 5


def test_one_friend_clicking_ten_times_at_once_helps_once(shop):
    shop_id = shop["shop_id"]
    owner, friend = make_shoppers(shop_id, 2)
    _, bargain_id = new_bargain(shop_id)
    session_id = service.start_session(shop_id, bargain_id, owner)["session_id"]
    results = race([lambda: service.help_session(shop_id, session_id, friend) for _ in range(10)])
    assert len([r for r in results if isinstance(r, dict)]) == 1
    assert {r.code for r in results if isinstance(r, Conflict)} == {"already_helped"}
    session, helps = helps_of(shop_id, session_id)
    assert session.helps == 1 and len(helps) == 1


def test_a_helpers_daily_limit_holds_across_sessions_at_once(shop):
    shop_id = shop["shop_id"]
    _, bargain_id = new_bargain(shop_id, daily_help_limit=2)
    owners = make_shoppers(shop_id, 6)
    (helper,) = make_shoppers(shop_id, 1)
    sessions = [service.start_session(shop_id, bargain_id, o)["session_id"] for o in owners]
    results = race([lambda s=s: service.help_session(shop_id, s, helper) for s in sessions])
    assert len([r for r in results if isinstance(r, dict)]) == 2
    assert {r.code for r in results if isinstance(r, Conflict)} == {"daily_help_limit_reached"}


def test_buying_while_friends_help_charges_exactly_the_price_of_the_helps_before_it(shop):
    shop_id = shop["shop_id"]
    (owner,) = make_shoppers(shop_id, 1)
    sku, bargain_id = new_bargain(shop_id, helpers_needed=8)
    session_id = service.start_session(shop_id, bargain_id, owner)["session_id"]
    helpers = make_shoppers(shop_id, 12)
    body = {"items": [{"sku_id": sku, "quantity": 1}], "coupon_id": None, "points_to_use": 0,
            "activity": {"type": "bargain", "id": session_id}, "delivery": EXPRESS, "note": ""}

    def buy():
        for attempt in range(30):  # a shopper whose price moved reloads and buys again
            try:
                return place_order(shop_id, owner, f"buy-{attempt}", body)
            except Conflict as exc:
                if exc.code != "bargain_changed":
                    raise
        raise AssertionError("never bought")

    results = race([buy] + [lambda h=h: service.help_session(shop_id, session_id, h) for h in helpers])
    order, _ = results[0]
    session, helps = helps_of(shop_id, session_id)
    assert session.status == "used" and session.order_id == order["id"]
    bought_after = order["activity"]["helps"]
    assert len(helps) == session.helps == bought_after  # no help landed after the purchase
    expected = session.start_price_fen - sum(session.cuts[:bought_after])
    assert order["activity"]["price_fen"] == expected == session.current_price_fen
    assert order["goods_fen"] - order["discount_fen"] == expected
    assert all(isinstance(r, dict) or (isinstance(r, Conflict) and r.code in ("bargain_used", "bargain_complete"))
               for r in results[1:])
