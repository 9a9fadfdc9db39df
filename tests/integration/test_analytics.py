"""Campaign analytics: participants once, shares, 404 for a campaign the shop does not have, and the orders,
GMV and refunds each play is credited with (the attribution rules of crowdcart.analytics), one test per play."""
import pytest

from crowdcart import analytics
from crowdcart.clock import now
from crowdcart.db.models.analytics import Participation
from crowdcart.db.models.shops import Shopper
from crowdcart.payments import refunds
from crowdcart.payments.sandbox import pay_order
from tests.concurrency.conftest import race
from tests.fakes import rewards
from tests.fakes.catalog import make_sku
from tests.fakes.orders import load_order, wechat_sandbox  # noqa: F401
from tests.fakes.stream import drain, replay
from tests.integration import test_bargain as bargains
from tests.integration import test_cards as cards
from tests.integration import test_discountpool as pools
from tests.integration import test_flash_sale as flash
from tests.integration import test_giftvoucher as gifts
from tests.integration import test_lottery as lotteries
from tests.integration import test_redpacket as packets
from tests.integration import test_referral as referrals
from tests.integration.test_order_lifecycle import mark_paid
from tests.statemachines.support import create_activity, join, open_group, paid, sfn  # noqa: F401

DAY = 86400


def stats(api, shop, kind, campaign_id):
    reply = api.get(f"/admin/v1/campaigns/{kind}/{campaign_id}/stats", token=shop["api_key"])
    assert reply.status == 200, reply.body
    return reply.body


def figures(api, shop, kind, campaign_id):
    """(participants, new_users, orders, gmv_fen) after the stream has been drained and then redelivered."""
    drain(shop["shop_id"])
    replay(shop["shop_id"])  # a redelivered stream counts nothing twice
    body = stats(api, shop, kind, campaign_id)
    return body["participants"], body["new_users"], body["orders"], body["gmv_fen"]


def veteran(shop_id, who):
    """Make a shopper one who signed up a day ago (before any campaign of the test)."""
    Shopper(*Shopper.key(shop_id, who["user_id"])).update(actions=[Shopper.created_at.set(now() - DAY)])
    return who


def bought(api, shop, who, price_fen=1000, coupon_id=None):
    """An ordinary order, paid; returns what it paid."""
    placed = rewards.order(api, who, make_sku(shop["shop_id"], stock=10, price_fen=price_fen), coupon_id=coupon_id)
    assert placed.status == 201, placed.body
    mark_paid(shop["shop_id"], placed.body["id"])
    return placed.body["payable_fen"]


def paid_through(shop, reply):
    """Pay an order placed through a play; returns what it paid."""
    assert reply.status == 201, reply.body
    mark_paid(shop["shop_id"], reply.body["id"])
    return reply.body["payable_fen"]


def joined_earlier(shop_id, kind, campaign_id, who, seconds):
    """Move a shopper's participation `seconds` into the past (its time and its place on their campaign list)."""
    joined = Participation.get(*Participation.key(shop_id, kind, campaign_id, who["user_id"]))
    at = int(joined.at) - seconds
    joined.update(actions=[Participation.at.set(at), Participation.GSI1SK.set(f"{at:010d}#{kind}#{campaign_id}")])


def test_participants_count_once_even_concurrently(api, shop):
    campaign = packets.campaign(api, shop)
    users = [f"user-{i}" for i in range(10)]
    race([lambda u=u: analytics.participate(shop["shop_id"], "red_packet", campaign, u, is_new_user=True)
          for u in users for _ in range(3)])
    counted = analytics.stats(shop["shop_id"], "red_packet", campaign)
    assert counted["participants"] == 10 and counted["new_users"] == 10 and counted["orders"] == 0


def test_shares_are_counted_and_inputs_checked(api, shop, shopper):
    campaign = packets.campaign(api, shop)
    for _ in range(2):
        assert api.post(f"/v1/campaigns/red_packet/{campaign}/shares", token=shopper["token"]).status == 204
    assert stats(api, shop, "red_packet", campaign)["shares"] == 2
    assert api.get(f"/admin/v1/campaigns/nope/{campaign}/stats", token=shop["api_key"]).status == 400
    assert api.post(f"/v1/campaigns/red_packet/{campaign}/shares", token=shop["api_key"]).status == 403


def test_an_unknown_campaign_another_shops_campaign_and_the_wrong_kind_are_404(api, shop, platform_key):
    bargain_id = bargains.create_bargain(api, shop, make_sku(shop["shop_id"], stock=10, price_fen=1000))
    other = api.post("/admin/v1/shops", {"name": "Other shop"}, token=platform_key).body
    for kind, campaign_id, key in (("bargain", "01ARZ3NDEKTSV4RRFFQ69G5FAV", shop["api_key"]),
                                   ("bargain", bargain_id, other["api_key"]),
                                   ("flash_sale", bargain_id, shop["api_key"]),
                                   ("referral", "01ARZ3NDEKTSV4RRFFQ69G5FAV", shop["api_key"])):
        reply = api.get(f"/admin/v1/campaigns/{kind}/{campaign_id}/stats", token=key)
        assert reply.status == 404 and reply.body["error"]["code"] == "campaign_not_found", (kind, reply.body)
    assert stats(api, shop, "bargain", bargain_id)["orders"] == 0


def test_a_bargain_counts_the_order_bought_with_it_not_its_helpers_later_orders(api, shop, shopper):
    shop_id = shop["shop_id"]
    veteran(shop_id, shopper)
    sku = make_sku(shop_id, stock=10, price_fen=1000)
    bargain_id = bargains.create_bargain(api, shop, sku, floor_price_fen=100, helpers_needed=3)
    session_id = bargains.start(api, shopper, bargain_id)
    helpers = bargains.friends(api, shop, 3)
    for helper in helpers:
        assert api.post(f"/v1/bargain-sessions/{session_id}/helps", token=helper["token"]).status == 200
    paid_fen = paid_through(shop, bargains.buy(api, shopper, sku, session_id))
    assert paid_fen == 100
    for helper, price in zip(helpers[:2], (9000, 9800)):
        bought(api, shop, helper, price)  # their own shopping, the same week: not the bargain's
    assert figures(api, shop, "bargain", bargain_id) == (4, 3, 1, 100)


def test_a_group_buy_counts_its_paid_seats_and_their_buyers(api, shop, shopper, sfn, wechat_sandbox):
    shop_id = shop["shop_id"]
    veteran(shop_id, shopper)
    activity = create_activity(api, shop, make_sku(shop_id, stock=10, price_fen=1000), group_price_fen=600)
    opened = open_group(api, shopper, activity)
    friend = api.login(shop_id, "friend")
    joined = join(api, friend, opened["group_id"])
    assert joined.status == 201, joined.body
    for order_id in (opened["order_id"], joined.body["order_id"]):
        paid(shop_id, order_id)
    gmv = sum(load_order(shop_id, o).payable_fen for o in (opened["order_id"], joined.body["order_id"]))
    bought(api, shop, friend, 3000)  # not through the group buy
    assert figures(api, shop, "group_buy", activity) == (2, 1, 2, gmv)


def test_a_flash_sale_counts_the_orders_paid_through_it(api, shop, shopper):
    shop_id = shop["shop_id"]
    veteran(shop_id, shopper)
    sku = make_sku(shop_id, stock=20, price_fen=1000)
    sale_id = flash.create_sale(api, shop, sku, price_fen=100, stock=10, per_user_limit=2)
    friend, idle = api.login(shop_id, "friend"), api.login(shop_id, "idle")
    gmv = paid_through(shop, flash.buy(api, shopper, sku, sale_id, quantity=2))
    gmv += paid_through(shop, flash.buy(api, friend, sku, sale_id))
    assert flash.buy(api, idle, sku, sale_id).status == 201  # never paid: neither an order nor a participant
    bought(api, shop, shopper, 5000)
    assert figures(api, shop, "flash_sale", sale_id) == (2, 1, 2, gmv)


def test_a_coupon_counts_its_claimers_and_the_orders_that_used_it(api, shop, shopper):
    shop_id = shop["shop_id"]
    veteran(shop_id, shopper)
    template = rewards.template(api, shop)
    friend = api.login(shop_id, "friend")
    coupon_id = rewards.claim(api, shopper, template["id"]).body["coupon_id"]
    assert rewards.claim(api, friend, template["id"]).status == 201
    gmv = bought(api, shop, shopper, 15000, coupon_id=coupon_id)
    bought(api, shop, friend, 15000)  # holds the coupon, did not use it
    assert figures(api, shop, "coupon", template["id"]) == (2, 1, 1, gmv)


def test_a_red_packet_counts_its_prize_coupon_and_the_first_week_of_the_new_shoppers_it_brought(api, shop, shopper):
    shop_id = shop["shop_id"]
    veteran(shop_id, shopper)
    old_friend = veteran(shop_id, api.login(shop_id, "old-friend"))
    campaign_id = packets.campaign(api, shop)
    packet = packets.start(api, shopper, campaign_id)
    new_friend, late_friend = packets.friends(api, shop, 2, "new")
    for helper in (old_friend, new_friend, late_friend):
        assert packets.assist(api, helper, packet["id"]).status == 200
    prize = api.get(f"/v1/red-packets/{packet['id']}", token=shopper["token"]).body["prize"]
    gmv = bought(api, shop, shopper, 5000, coupon_id=prize["coupon_id"])
    bought(api, shop, shopper, 2000)  # the owner's other shopping
    gmv += bought(api, shop, new_friend, 3000)  # brought in by the packet, within the week
    bought(api, shop, old_friend, 4000)  # an existing shopper who helped
    joined_earlier(shop_id, "red_packet", campaign_id, late_friend, 8 * DAY)
    bought(api, shop, late_friend, 6000)  # eight days after joining: outside the window
    assert figures(api, shop, "red_packet", campaign_id) == (4, 2, 2, gmv)


def test_a_discount_pool_counts_the_orders_paid_with_its_vouchers_not_the_buyers(api, shop, shopper):
    shop_id = shop["shop_id"]
    veteran(shop_id, shopper)
    rule_id = pools.rule(api, shop)
    opening = pools.paid_order(api, shop, shopper)
    pool = api.get(f"/v1/orders/{opening}/discount-pool", token=shopper["token"]).body
    (friend,) = pools.friends(api, shop, 1)
    granted = pools.claim(api, friend, pool["id"])
    assert granted.status == 201, granted.body
    gmv = bought(api, shop, friend, 1000, coupon_id=granted.body["coupon_id"])
    bought(api, shop, shopper, 2500)  # the buyer shops again: not the pool's doing
    assert figures(api, shop, "discount_pool", rule_id) == (2, 1, 1, gmv)


def test_a_gift_voucher_counts_its_sale_and_the_order_its_coupon_paid(api, shop, shopper):
    shop_id = shop["shop_id"]
    veteran(shop_id, shopper)
    order_id, (voucher,) = gifts.bought(api, shop, shopper, price_fen=2000)
    gmv = load_order(shop_id, order_id).payable_fen
    (friend,) = gifts.friends(api, shop, 1)
    got = gifts.claim(api, friend, gifts.send(api, shopper, voucher["id"]))
    assert got.status == 201, got.body
    gmv += bought(api, shop, friend, 3000, coupon_id=got.body["coupon_id"])
    bought(api, shop, shopper, 4000)  # the giver shops again
    assert figures(api, shop, "gift_voucher", voucher["product_id"]) == (2, 1, 2, gmv)


def test_a_referral_counts_its_new_invitees_orders_and_shows_their_refunds(api, shop, wechat_sandbox):
    shop_id = shop["shop_id"]
    referrals.program(api, shop, level2_rate_bp=0)
    alice = referrals.promoter(api, shop, "alice")
    carol = api.login(shop_id, "carol")
    assert referrals.bind(api, carol, alice["user_id"]).status == 201
    order_id = referrals.buy(api, shop, carol, 5000, receive=False)
    referrals.buy(api, shop, alice, 3000, receive=False)  # the promoter's own order
    drain(shop_id)
    refunds.request_refund(load_order(shop_id, order_id), 2000, "one missing", "after_sales:1")
    gmv = load_order(shop_id, order_id).payable_fen
    program_id = referrals.referral.program_id(shop_id)
    assert figures(api, shop, "referral", program_id) == (1, 1, 1, gmv)
    assert stats(api, shop, "referral", program_id)["refunded_fen"] == 2000
    refunds.request_refund(load_order(shop_id, order_id), 1000, "another missing", "after_sales:2")
    assert figures(api, shop, "referral", program_id) == (1, 1, 1, gmv)  # gmv_fen stays what was paid
    assert stats(api, shop, "referral", program_id)["refunded_fen"] == 3000


def test_a_lottery_counts_orders_paid_with_its_prize_coupons_only(api, shop, shopper):
    shop_id = shop["shop_id"]
    veteran(shop_id, shopper)
    template = rewards.template(api, shop, name="抽奖券", kind="no_threshold", amount_off_fen=500, min_spend_fen=0,
                                quota=10, public=False)
    lottery_id = lotteries.create(api, shop, [{"name": "5 元券", "kind": "coupon", "template_id": template["id"],
                                               "probability_ppm": 1_000_000, "stock": 5}], initial_entries=1)
    assert api.post(f"/v1/lotteries/{lottery_id}/join", token=shopper["token"]).status in (200, 201)
    won = lotteries.draw(api, shopper, lottery_id)
    assert won.status == 201 and won.body["result"] == "won", won.body
    (coupon,) = api.get("/v1/me/coupons?status=unused", token=shopper["token"]).body["items"]
    gmv = bought(api, shop, shopper, 3000, coupon_id=coupon["id"])
    bought(api, shop, shopper, 2000)  # not the lottery's
    assert figures(api, shop, "lottery", lottery_id) == (1, 0, 1, gmv)
    assert figures(api, shop, "coupon", template["id"])[2:] == (1, gmv)  # and the template's, as any coupon


def test_card_collecting_counts_the_first_week_of_the_new_shoppers_it_brought(api, shop, shopper):
    shop_id = shop["shop_id"]
    veteran(shop_id, shopper)
    set_id = cards.create(api, shop, initial_draws=0, assist_draws=2, assists_cap=2)
    assert api.post(f"/v1/card-sets/{set_id}/join", token=shopper["token"]).status in (200, 201)
    friend = api.login(shop_id, "bob")
    helped = api.post(f"/v1/card-sets/{set_id}/albums/{shopper['user_id']}/assists", token=friend["token"])
    assert helped.status == 201 and helped.body["is_new"] is True
    gmv = bought(api, shop, friend, 2500)
    bought(api, shop, shopper, 1500)  # the owner was a shopper before: not brought in
    assert figures(api, shop, "card_collect", set_id) == (2, 1, 1, gmv)


@pytest.mark.parametrize("days, counted", [(6, 1), (8, 0)])
def test_the_window_of_a_new_shopper_is_seven_days(api, shop, days, counted):
    shop_id = shop["shop_id"]
    campaign_id = packets.campaign(api, shop)
    newcomer = api.login(shop_id, "newcomer")
    analytics.participate(shop_id, "red_packet", campaign_id, newcomer["user_id"], is_new_user=True)
    joined_earlier(shop_id, "red_packet", campaign_id, newcomer, days * DAY)
    paid_fen = bought(api, shop, newcomer, 1200)
    assert figures(api, shop, "red_packet", campaign_id)[2:] == (counted, counted * paid_fen)


def test_a_new_shopper_is_credited_to_the_first_campaign_that_brought_them_only(api, shop):
    shop_id = shop["shop_id"]
    packet_campaign = packets.campaign(api, shop)
    lottery_id = lotteries.create(api, shop, [{"name": "积分", "kind": "points", "points": 5,
                                               "probability_ppm": 1_000_000, "stock": 5}])
    newcomer = api.login(shop_id, "newcomer")
    analytics.participate(shop_id, "red_packet", packet_campaign, newcomer["user_id"], is_new_user=True)
    joined_earlier(shop_id, "red_packet", packet_campaign, newcomer, 3600)  # an hour before the lottery
    analytics.participate(shop_id, "lottery", lottery_id, newcomer["user_id"], is_new_user=True)
    paid_fen = bought(api, shop, newcomer, 1800)
    assert figures(api, shop, "red_packet", packet_campaign)[2:] == (1, paid_fen)
    assert figures(api, shop, "lottery", lottery_id)[2:] == (0, 0)
