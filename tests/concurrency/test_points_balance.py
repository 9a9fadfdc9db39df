"""Points under contention, against DynamoDB Local: the balance never goes below 0, each cause credits once,
and the ledger always adds up to the balance."""
import pytest

from crowdcart.errors import Conflict
from crowdcart.reactions.stream import dispatch
from crowdcart.rewards import points
from functions.checkout.service import place_order
from functions.points import service
from tests.concurrency.conftest import make_shoppers, race
from tests.fakes.catalog import make_sku, sku_stock
from tests.fakes.rewards import EXPRESS, grant_points, ledger_sum

pytestmark = pytest.mark.concurrency


def _checkout(shop_id, user, sku, key, points_to_use):
    body = {"items": [{"sku_id": sku, "quantity": 1}], "coupon_id": None, "points_to_use": points_to_use,
            "activity": None, "delivery": EXPRESS, "note": ""}
    return place_order(shop_id, user, key, body)


def test_100_points_and_20_parallel_checkouts_spending_30_each(shop):
    shop_id = shop["shop_id"]
    sku = make_sku(shop_id, stock=50, price_fen=1000)  # 30 points = 30 fen, under the 50% cap
    (user,) = make_shoppers(shop_id, 1)
    grant_points(shop_id, user, 100)
    results = race([lambda k=k: _checkout(shop_id, user, sku, f"key-{k}", 30) for k in range(20)])
    orders = [r[0] for r in results if isinstance(r, tuple)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert [r for r in results if not isinstance(r, (tuple, Conflict))] == []
    assert len(orders) == 3 and all(o["points_used"] == 30 and o["payable_fen"] == 970 for o in orders)
    assert {r.code for r in refused} == {"insufficient_points"}
    assert points.balance(shop_id, user, consistent=True) == 10 == ledger_sum(shop_id, user)
    assert sku_stock(shop_id, sku) == 47


def test_parallel_check_ins_credit_once(shop):
    shop_id = shop["shop_id"]
    (user,) = make_shoppers(shop_id, 1)
    results = race([lambda: service.check_in(shop_id, user) for _ in range(15)])
    assert sum(isinstance(r, dict) for r in results) == 1
    assert {r.code for r in results if isinstance(r, Exception)} == {"already_checked_in"}
    assert points.balance(shop_id, user, consistent=True) == 5 == ledger_sum(shop_id, user)


def _received_record(shop_id, user_id, order_id, payable_fen):
    def image(status):
        return {"entity": {"S": "order"}, "PK": {"S": f"SHOP#{shop_id}#ORDER#{order_id}"}, "SK": {"S": "ORDER"},
                "shop_id": {"S": shop_id}, "user_id": {"S": user_id}, "order_id": {"S": order_id},
                "status": {"S": status}, "payable_fen": {"N": str(payable_fen)}, "refunded_fen": {"N": "0"},
                "points_used": {"N": "0"}}

    return {"eventName": "MODIFY", "dynamodb": {"Keys": {"PK": image("received")["PK"], "SK": {"S": "ORDER"}},
                                                "OldImage": image("shipped"), "NewImage": image("received"),
                                                "ApproximateCreationDateTime": 1_700_000_000}}


def test_the_same_received_order_delivered_20_times_at_once_credits_once(shop):
    shop_id = shop["shop_id"]
    (user,) = make_shoppers(shop_id, 1)
    record = _received_record(shop_id, user, "01J00000000000000000ORDER1", 25_000)
    results = race([lambda: dispatch([record]) for _ in range(20)])
    assert [r for r in results if isinstance(r, Exception)] == []
    assert points.balance(shop_id, user, consistent=True) == 250 == ledger_sum(shop_id, user)
    from crowdcart.rewards.members import get_membership

    assert get_membership(shop_id, user, consistent=True).spent_fen == 25_000
