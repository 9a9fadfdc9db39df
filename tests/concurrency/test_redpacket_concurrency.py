"""Red-packet assists under contention, against DynamoDB Local: exact counts, the pool never exceeded."""
import pytest

from crowdcart.db.models.redpackets import RedPacket, RedPacketCampaign
from crowdcart.errors import Conflict
from crowdcart.rewards import coupons
from functions.redpacket import service
from tests.concurrency.conftest import make_shoppers, race

pytestmark = pytest.mark.concurrency


def make_campaign(shop_id, **changes):
    fields = {"name": "助力红包", "description": "", "image": None, "assists_needed": 5, "prize_kind": "coupon",
              "budget": 2000, "winners": 10, "min_prize": 100, "max_prize": 600, "coupon_min_spend_fen": 0,
              "coupon_valid_days": 7, "packet_seconds": 3600, "daily_assist_limit": 3, "per_user_limit": 1,
              "starts_at": None, "ends_at": None, **changes}
    return service.create_campaign(shop_id, fields)["id"]


def pool(shop_id, campaign_id):
    return RedPacketCampaign.get(*RedPacketCampaign.key(shop_id, campaign_id), consistent_read=True)


def prizes_paid(shop_id, owners, packet_ids):
    """The coupons the owners hold from their packets (read from the wallets, not from the packets)."""
    found = []
    for owner, packet_id in zip(owners, packet_ids):
        coupon = coupons.find_coupon(shop_id, owner, coupons.coupon_id_for(shop_id, owner, f"red_packet:{packet_id}"))
        if coupon is not None:
            found.append(int(coupon.rule["amount_off_fen"]))
    return found


def test_100_friends_on_10_packets_needing_5_make_exactly_50_assists_and_10_openings(shop):
    shop_id = shop["shop_id"]
    campaign_id = make_campaign(shop_id)
    owners = make_shoppers(shop_id, 10)
    packets = [service.start_packet(shop_id, campaign_id, owner)["id"] for owner in owners]
    helpers = make_shoppers(shop_id, 100)
    results = race([lambda i=i, h=h: service.assist(shop_id, packets[i % 10], h) for i, h in enumerate(helpers)],
                   threads=50)
    counted = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert [r for r in results if not isinstance(r, (dict, Conflict))] == []
    assert len(counted) == 50 and len(refused) == 50
    assert {r.code for r in refused} == {"red_packet_opened"}
    assert sum(r["opened"] for r in counted) == 10
    stored = [RedPacket.get(*RedPacket.key(shop_id, p), consistent_read=True) for p in packets]
    assert all(p.status == "opened" and p.assists == 5 for p in stored)
    paid = prizes_paid(shop_id, owners, packets)
    after = pool(shop_id, campaign_id)
    assert len(paid) == 10 and all(100 <= amount <= 600 for amount in paid)
    assert sum(paid) == int(after.paid_out) == sum(int(p.prize_amount) for p in stored)
    assert int(after.remaining) == 2000 - sum(paid) >= 0
    assert (int(after.winners_left), int(after.packets_opened), int(after.seats_left)) == (0, 10, 0)


def test_concurrent_completions_never_take_more_than_the_pool(shop):
    """16 one-assist packets open at the same moment against a pool that only just covers them."""
    shop_id = shop["shop_id"]
    campaign_id = make_campaign(shop_id, assists_needed=1, winners=16, budget=16 * 10 + 45, min_prize=10,
                                max_prize=40, prize_kind="points")
    owners = make_shoppers(shop_id, 16)
    packets = [service.start_packet(shop_id, campaign_id, owner)["id"] for owner in owners]
    helpers = make_shoppers(shop_id, 16)
    results = race([lambda p=p, h=h: service.assist(shop_id, p, h) for p, h in zip(packets, helpers)])
    assert all(isinstance(r, dict) and r["opened"] for r in results), results
    stored = [RedPacket.get(*RedPacket.key(shop_id, p), consistent_read=True) for p in packets]
    paid = [int(p.prize_amount) for p in stored]
    after = pool(shop_id, campaign_id)
    assert all(10 <= amount <= 40 for amount in paid)
    assert sum(paid) == int(after.paid_out) <= 205 and int(after.remaining) == 205 - sum(paid)
    assert int(after.winners_left) == 0


def test_one_helper_racing_on_many_packets_stays_within_the_daily_limit(shop):
    shop_id = shop["shop_id"]
    campaign_id = make_campaign(shop_id, daily_assist_limit=3)
    owners = make_shoppers(shop_id, 10)
    packets = [service.start_packet(shop_id, campaign_id, owner)["id"] for owner in owners]
    (helper,) = make_shoppers(shop_id, 1)
    results = race([lambda p=p: service.assist(shop_id, p, helper) for p in packets])
    assert sum(isinstance(r, dict) for r in results) == 3
    assert {r.code for r in results if isinstance(r, Conflict)} == {"daily_assist_limit_reached"}


def test_more_openers_than_seats_start_exactly_as_many_packets_as_winners(shop):
    shop_id = shop["shop_id"]
    campaign_id = make_campaign(shop_id, winners=7, budget=700)
    owners = make_shoppers(shop_id, 40)
    results = race([lambda o=o: service.start_packet(shop_id, campaign_id, o) for o in owners])
    assert sum(isinstance(r, dict) for r in results) == 7
    assert {r.code for r in results if isinstance(r, Conflict)} == {"red_packet_campaign_full"}
    assert int(pool(shop_id, campaign_id).seats_left) == 0
