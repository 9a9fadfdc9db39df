"""Referral under contention against DynamoDB Local: concurrent bindings leave exactly one promoter per
shopper; concurrent (redelivered) order events earn, unfreeze and reverse a commission exactly once."""
from collections import Counter

from crowdcart import analytics
from crowdcart.clock import now
from crowdcart.errors import Conflict
from crowdcart.ids import new_id
from crowdcart.plays import referral
from functions.referral import schemas, service
from tests.concurrency.conftest import make_shoppers, race


def setup(shop_id, promoters):
    settings = schemas.ProgramSettings(level1_rate_bp=1000, level2_rate_bp=0)
    service.put_program(shop_id, settings.model_dump())
    ids = make_shoppers(shop_id, promoters)
    for user_id in ids:
        service.apply(shop_id, user_id)
    return ids


def test_a_shopper_bound_by_five_promoters_at_once_has_one(shop):
    shop_id = shop["shop_id"]
    promoters = setup(shop_id, 5)
    shoppers = make_shoppers(shop_id, 20)
    results = race([lambda s=s, p=p: service.bind(shop_id, s, p) for s in shoppers for p in promoters])
    bound = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(bound) == 20 and len(refused) == 80 and {r.code for r in refused} == {"already_bound"}
    winners = {s: referral.get_binding(shop_id, s).promoter_id for s in shoppers}
    assert Counter(r["promoter_id"] for r in bound) == Counter(winners.values())
    assert sum(referral.get_promoter(shop_id, p).invitees for p in promoters) == 20
    stats = analytics.stats(shop_id, "referral", referral.program_id(shop_id))
    assert (stats["participants"], stats["new_users"]) == (20, 20)


def test_redelivered_order_events_move_a_commission_exactly_once(shop):
    shop_id = shop["shop_id"]
    (promoter,) = setup(shop_id, 1)
    (buyer,) = make_shoppers(shop_id, 1)
    service.bind(shop_id, buyer, promoter)
    order = {"shop_id": shop_id, "order_id": new_id(), "user_id": buyer, "payable_fen": 25_000, "refunded_fen": 0,
             "created_at": now() + 1}
    race([lambda: referral.earn(order) for _ in range(10)])
    account = referral.balances(referral.get_promoter(shop_id, promoter))
    assert (account["frozen_fen"], account["earned_fen"], account["orders"]) == (2500, 2500, 1)

    refunded = dict(order, refunded_fen=25_000)
    race([lambda: referral.unfreeze(order) for _ in range(5)] + [lambda: referral.adjust(refunded) for _ in range(5)])
    account = referral.balances(referral.get_promoter(shop_id, promoter))
    assert (account["frozen_fen"], account["available_fen"], account["reversed_fen"]) == (0, 0, 2500)
    found = list(referral.Commission.query(f"SHOP#{shop_id}#PROMOTER#{promoter}",
                                           referral.Commission.SK.startswith("COMM#"), consistent_read=True))
    assert [(c.status, c.amount_fen) for c in found] == [("reversed", 0)]
