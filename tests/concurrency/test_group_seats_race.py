"""Seats under contention, against DynamoDB Local through the service layer: exact counts."""
import pytest

from crowdcart.errors import Conflict
from crowdcart.purchase.group_buy import members
from functions.groupbuy import service
from tests.concurrency.conftest import make_shoppers, race
from tests.fakes.catalog import make_sku, sku_stock
from tests.fakes.orders import wechat_sandbox  # noqa: F401
from tests.statemachines.support import SEAT, group, paid, ready_to_pay

pytestmark = [pytest.mark.concurrency, pytest.mark.usefixtures("wechat_sandbox")]


def _take_seat_and_pay(shop_id, user_id, group_id):
    joined, _ = service.join_group(shop_id, user_id, f"join-{user_id}", group_id, SEAT)
    paid(shop_id, joined["order_id"])
    return joined["order_id"]


def test_50_shoppers_race_for_the_last_3_seats_exactly_3_pay(shop):
    shop_id = shop["shop_id"]
    ready_to_pay(shop_id)
    sku = make_sku(shop_id, stock=100, price_fen=1000)
    activity = service.create_activity(shop_id, {"sku_id": sku, "group_price_fen": 600, "group_size": 5,
                                                 "duration_seconds": 3600, "kind": "normal"})["id"]
    leader, first, *racers = make_shoppers(shop_id, 52)
    opened, _ = service.open_group(shop_id, leader, "open", activity, SEAT)
    paid(shop_id, opened["order_id"])
    _take_seat_and_pay(shop_id, first, opened["group_id"])

    results = race([lambda u=u: _take_seat_and_pay(shop_id, u, opened["group_id"]) for u in racers])
    winners = [r for r in results if isinstance(r, str)]
    refused = [r for r in results if isinstance(r, Conflict)]
    unexpected = [r for r in results if not isinstance(r, (str, Conflict))]
    assert unexpected == []
    assert len(winners) == 3 and len(refused) == 47
    assert {r.code for r in refused} <= {"group_full", "group_closed"}
    final = group(shop_id, opened["group_id"])
    assert final.status == "formed" and final.paid_count == 5 and final.seats_taken == 5
    seated = members(shop_id, opened["group_id"])
    assert len(seated) == 5 and all(m.status == "paid" for m in seated)
    assert len({m.user_id for m in seated}) == 5
    assert sku_stock(shop_id, sku) == 95


def test_one_shopper_racing_herself_takes_one_seat(shop):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=100)
    activity = service.create_activity(shop_id, {"sku_id": sku, "group_price_fen": 600, "group_size": 5,
                                                 "duration_seconds": 3600, "kind": "normal",
                                                 "per_user_limit": 10})["id"]
    leader, shopper = make_shoppers(shop_id, 2)
    opened, _ = service.open_group(shop_id, leader, "open", activity, SEAT)
    results = race([lambda i=i: service.join_group(shop_id, shopper, f"k{i}", opened["group_id"], SEAT)
                    for i in range(10)])
    assert len([r for r in results if isinstance(r, tuple)]) == 1
    assert {r.code for r in results if isinstance(r, Conflict)} == {"already_in_group"}
    assert group(shop_id, opened["group_id"]).seats_taken == 2
