"""Points over HTTP and the ledger against DynamoDB Local: check-in, shares, checkout, exchange, profile, review."""
import pytest

from crowdcart.clock import now
from crowdcart.db.models.reviews import Review
from crowdcart.rewards import points
from functions.points import service
from tests.fakes import rewards
from tests.fakes.catalog import make_sku
from tests.fakes.stream import drain, replay

DAY = 86400


def balance(api, shopper):
    return api.get("/v1/me/points", token=shopper["token"]).body["balance"]


def test_check_in_once_a_day_with_a_streak_bonus(api, shop, shopper):
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    first = api.post("/v1/me/check-ins", token=shopper["token"])
    assert first.status == 201 and (first.body["streak"], first.body["points"], first.body["balance"]) == (1, 5, 5)
    second = api.post("/v1/me/check-ins", token=shopper["token"])
    assert second.status == 409 and second.body["error"]["code"] == "already_checked_in"
    rewards.settings(api, shop, check_in_points=2, check_in_streak_days=3, check_in_streak_bonus=10)
    start = now() + DAY
    awards = [service.check_in(shop_id, user_id, at=start + i * DAY)["points"] for i in range(4)]
    assert awards == [2, 12, 2, 2]  # days 2..5 of the streak: the 3rd day earns the bonus
    gap = service.check_in(shop_id, user_id, at=start + 6 * DAY)
    assert (gap["streak"], gap["points"]) == (1, 2)
    assert balance(api, shopper) == 5 + 18 + 2 == rewards.ledger_sum(shop_id, user_id)


def test_shares_are_capped_per_day_and_counted_once(api, shop, shopper):
    rewards.settings(api, shop, share_points=3, share_daily_cap=2)
    replies = [api.post("/v1/me/shares", {"share_id": sid}, token=shopper["token"]).body
               for sid in ("a", "a", "b", "c")]
    assert [(r["credited"], r["duplicate"], r["capped"]) for r in replies] == [
        (3, False, False), (0, True, False), (3, False, False), (0, False, True)]
    assert api.post("/v1/me/shares", {"share_id": "bad id!"}, token=shopper["token"]).status == 422
    tomorrow = service.share(shop["shop_id"], shopper["user_id"], "d", at=now() + DAY)
    assert tomorrow["credited"] == 3 and tomorrow["balance"] == 9


def test_checkout_spends_points_within_the_cap_and_cancel_returns_them(api, shop, shopper):
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    rewards.settings(api, shop, points_per_yuan_cash=100, points_cash_percent_cap=10)
    rewards.grant_points(shop_id, user_id, 5000)
    sku = make_sku(shop_id, stock=10, price_fen=10000)
    too_many = rewards.order(api, shopper, sku, points_to_use=5001)
    assert too_many.status == 409 and too_many.body["error"]["code"] == "insufficient_points"
    placed = rewards.order(api, shopper, sku, points_to_use=5000)
    assert placed.status == 201, placed.body
    assert placed.body["points_used"] == 1000 and placed.body["payable_fen"] == 9000  # capped at 10% of 100 yuan
    assert balance(api, shopper) == 4000
    ledger = api.get("/v1/me/points", token=shopper["token"]).body["ledger"]
    assert [(e["kind"], e["points"]) for e in ledger if e["kind"] == "checkout"] == [("checkout", -1000)]
    assert api.post(f"/v1/orders/{placed.body['id']}/cancel", token=shopper["token"]).status == 200
    assert balance(api, shopper) == 5000 == rewards.ledger_sum(shop_id, user_id)
    account = points.get_account(shop_id, user_id, consistent=True)
    assert (account.earned_total, account.spent_total) == (5000, 0)


def test_a_double_tapped_cancel_of_a_points_order_is_409_order_state(api, shop, shopper):
    """The order's state is decided before the points-return entry (issue 11 item 2: was a 500)."""
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    rewards.grant_points(shop_id, user_id, 5000)
    placed = rewards.order(api, shopper, make_sku(shop_id, stock=10, price_fen=10000), points_to_use=500)
    assert placed.status == 201, placed.body
    path = f"/v1/orders/{placed.body['id']}/cancel"
    assert api.post(path, token=shopper["token"]).status == 200
    again = api.post(path, token=shopper["token"])
    assert again.status == 409 and again.body["error"]["code"] == "order_state", again.body
    assert balance(api, shopper) == 5000 == rewards.ledger_sum(shop_id, user_id)


def test_ledger_pages_newest_first(api, shop, shopper):
    for i in range(5):
        rewards.grant_points(shop["shop_id"], shopper["user_id"], i + 1, cause=f"test:{i}")
    first = api.get("/v1/me/points?limit=2", token=shopper["token"]).body
    assert first["balance"] == 15 and len(first["ledger"]) == 2 and first["next_cursor"]
    rest = api.get(f"/v1/me/points?limit=10&cursor={first['next_cursor']}", token=shopper["token"]).body
    assert sorted(e["points"] for e in first["ledger"] + rest["ledger"]) == [1, 2, 3, 4, 5]
    other = api.login(shop["shop_id"], "bob")
    assert api.get(f"/v1/me/points?cursor={first['next_cursor']}", token=other["token"]).status == 400


def test_exchange_points_for_a_coupon(api, shop, shopper):
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    tpl = rewards.template(api, shop, name="积分兑换", points_cost=300, quota=5, per_user_limit=2)
    plain = rewards.template(api, shop, name="普通")
    assert rewards.claim(api, shopper, tpl["id"]).body["error"]["code"] == "coupon_needs_points"
    poor = api.post("/v1/me/points/exchanges", {"template_id": tpl["id"]}, token=shopper["token"])
    assert poor.status == 409 and poor.body["error"]["code"] == "insufficient_points"
    rewards.grant_points(shop_id, user_id, 700)
    keyed = [api.post("/v1/me/points/exchanges", {"template_id": tpl["id"]}, token=shopper["token"],
                      headers={"Idempotency-Key": "swap-1"}) for _ in range(2)]
    assert [r.status for r in keyed] == [201, 201] and keyed[0].body["coupon_id"] == keyed[1].body["coupon_id"]
    assert keyed[0].body["balance"] == 400 and keyed[1].body["replayed"]
    assert api.post("/v1/me/points/exchanges", {"template_id": tpl["id"]}, token=shopper["token"]).status == 201
    limit = api.post("/v1/me/points/exchanges", {"template_id": tpl["id"]}, token=shopper["token"])
    assert limit.status == 409 and limit.body["error"]["code"] in ("coupon_limit_reached", "insufficient_points")
    assert balance(api, shopper) == 100 == rewards.ledger_sum(shop_id, user_id)
    assert len(api.get("/v1/me/coupons", token=shopper["token"]).body["items"]) == 2
    refused = api.post("/v1/me/points/exchanges", {"template_id": plain["id"]}, token=shopper["token"])
    assert refused.status == 409 and refused.body["error"]["code"] == "coupon_not_exchangeable"


def test_profile_and_review_points_come_from_the_stream_once(api, shop, shopper):
    shop_id, user_id = shop["shop_id"], shopper["user_id"]
    rewards.settings(api, shop, profile_points=20, review_points=10)
    api.patch("/v1/me", {"nickname": "Alice", "phone": "13800138000"}, token=shopper["token"])
    drain(shop_id)
    assert balance(api, shopper) == 0  # not complete yet
    api.patch("/v1/me", {"avatar_url": "https://img.example.com/a.png", "birthday": "1990-01-01"},
              token=shopper["token"])
    api.patch("/v1/me", {"nickname": "Alice Li"}, token=shopper["token"])
    review_id = "01J0000000000000000000REVW"
    Review(f"SHOP#{shop_id}#REVIEW#{review_id}", "REVIEW", review_id=review_id, order_id="o", sku_id="s",
           product_id="p", user_id=user_id, rating=5, created_at=now()).save()
    drain(shop_id)
    replay(shop_id)
    assert balance(api, shopper) == 30 == rewards.ledger_sum(shop_id, user_id)
    causes = sorted(e["cause"] for e in api.get("/v1/me/points", token=shopper["token"]).body["ledger"])
    assert causes == ["profile", f"review:{review_id}"]


@pytest.mark.parametrize("cap, wanted, used", [(50, 10**6, 300), (0, 100, 0)])
def test_points_cap_settings_apply_at_checkout(api, shop, shopper, cap, wanted, used):
    rewards.settings(api, shop, points_per_yuan_cash=10, points_cash_percent_cap=cap)
    rewards.grant_points(shop["shop_id"], shopper["user_id"], 10**6)
    placed = rewards.order(api, shopper, make_sku(shop["shop_id"], price_fen=6000), points_to_use=wanted)
    assert placed.status == 201 and placed.body["points_used"] == used
