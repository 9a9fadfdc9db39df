"""Pricing rules: every coupon kind, stacking, points cap, rounding, shipping and the 1-fen floor."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowdcart.domain.pricing import (Coupon, Line, PointsRule, PricingError, Shipping, allocate, percent_of,
                                      price)

TEE = Line("sku-tee", "p-tee", "c-clothes", unit_price_fen=5000, quantity=2)
MUG = Line("sku-mug", "p-mug", "c-home", unit_price_fen=2999, quantity=1)


def kinds(quote):
    return {d["kind"]: d["amount_fen"] for d in quote.discounts}


def test_plain_order_pays_goods_plus_shipping():
    quote = price([TEE, MUG], shipping=Shipping(fee_fen=800))
    assert (quote.goods_fen, quote.discount_fen, quote.shipping_fen, quote.payable_fen) == (12999, 0, 800, 13799)


def test_free_shipping_over_threshold_and_pickup_ships_free():
    assert price([TEE], shipping=Shipping(fee_fen=800, free_over_fen=10000)).shipping_fen == 0
    assert price([MUG], shipping=Shipping(fee_fen=800, free_over_fen=10000)).shipping_fen == 800
    assert price([MUG], shipping=Shipping(fee_fen=800, pickup=True)).shipping_fen == 0


def test_amount_off_needs_min_spend_on_eligible_lines():
    coupon = Coupon("amount_off", amount_off_fen=2000, min_spend_fen=10000, category_ids=("c-clothes",))
    assert kinds(price([TEE, MUG], coupon=coupon))["coupon"] == 2000
    with pytest.raises(PricingError) as err:
        price([MUG], coupon=Coupon("amount_off", amount_off_fen=500, min_spend_fen=5000))
    assert err.value.code == "coupon_min_spend_not_met"


def test_coupon_for_other_products_does_not_apply():
    with pytest.raises(PricingError) as err:
        price([MUG], coupon=Coupon("no_threshold", amount_off_fen=100, product_ids=("p-tee",)))
    assert err.value.code == "coupon_not_applicable"


def test_percent_off_rounds_half_up_and_respects_cap():
    assert kinds(price([MUG], coupon=Coupon("percent_off", percent_off=15)))["coupon"] == 450  # 449.85
    assert kinds(price([TEE], coupon=Coupon("percent_off", percent_off=50, max_off_fen=1000)))["coupon"] == 1000


def test_no_threshold_ignores_min_spend_and_never_exceeds_goods():
    quote = price([MUG], coupon=Coupon("no_threshold", amount_off_fen=99999, min_spend_fen=10**6))
    assert quote.payable_fen == 1 and kinds(quote)["coupon"] == 2998


def test_member_discount_stacks_only_with_stackable_coupons():
    stackable = price([TEE], member_percent=5, coupon=Coupon("amount_off", amount_off_fen=1000))
    assert kinds(stackable) == {"member": 500, "coupon": 1000}
    exclusive = price([TEE], member_percent=5,
                      coupon=Coupon("amount_off", amount_off_fen=1000, stackable_with_member=False))
    assert kinds(exclusive) == {"coupon": 1000}


def test_activity_price_is_an_itemized_discount():
    flash = Line("sku-tee", "p-tee", None, unit_price_fen=5000, quantity=2, activity_price_fen=3000)
    quote = price([flash])
    assert kinds(quote) == {"activity": 4000} and quote.payable_fen == 6000


def test_points_are_capped_by_percent_and_use_whole_points():
    rule = PointsRule(points_per_yuan=100, cap_percent=10)
    quote = price([TEE], points_to_use=5000, points_rule=rule)
    assert quote.points_used == 1000 and kinds(quote)["points"] == 1000
    odd = price([MUG], points_to_use=7, points_rule=PointsRule(points_per_yuan=30, cap_percent=100))
    # 7 points at 30 per yuan = 23.3 fen → 23 fen buys 6.9 points → 6 whole points = 20 fen
    assert odd.points_used == 6 and kinds(odd)["points"] == 20


def test_points_never_pay_shipping_nor_go_below_the_floor():
    rule = PointsRule(points_per_yuan=100, cap_percent=100)
    quote = price([MUG], points_to_use=10**6, points_rule=rule)
    assert quote.payable_fen == 1 and quote.points_used == 2998
    shipped = price([MUG], points_to_use=10**6, points_rule=rule, shipping=Shipping(fee_fen=800))
    assert shipped.payable_fen == 800 and shipped.points_used == 2999


def test_points_without_a_rule_are_refused():
    with pytest.raises(PricingError):
        price([MUG], points_to_use=10)


def test_line_allocation_adds_up_to_what_is_paid():
    quote = price([TEE, MUG], member_percent=3, coupon=Coupon("amount_off", amount_off_fen=777),
                  points_to_use=500, points_rule=PointsRule(100, 20), shipping=Shipping(fee_fen=600))
    assert sum(quote.line_paid_fen.values()) + quote.shipping_fen == quote.payable_fen
    assert quote.goods_fen - quote.discount_fen + quote.shipping_fen == quote.payable_fen


def test_percent_of_is_half_up():
    assert percent_of(5, 10) == 1 and percent_of(4, 10) == 0 and percent_of(15, 10) == 2


@given(st.integers(0, 10**7), st.lists(st.integers(0, 10**5), min_size=1, max_size=8))
def test_allocate_is_exact_and_proportional(total, weights):
    shares = allocate(total, weights)
    if sum(weights) == 0 or total == 0:
        assert shares == [0] * len(weights)
    else:
        assert sum(shares) == total
        for share, weight in zip(shares, weights):
            assert abs(share - total * weight / sum(weights)) < 1


@given(st.lists(st.tuples(st.integers(1, 10**6), st.integers(1, 20)), min_size=1, max_size=5),
       st.integers(0, 30), st.integers(0, 10**6), st.integers(0, 10**7), st.integers(0, 2000))
def test_any_order_pays_at_least_one_fen_and_adds_up(items, member, coupon_off, points, fee):
    lines = [Line(f"s{i}", f"p{i}", None, p, q) for i, (p, q) in enumerate(items)]
    quote = price(lines, member_percent=member, coupon=Coupon("no_threshold", amount_off_fen=coupon_off),
                  points_to_use=points, points_rule=PointsRule(100, 50), shipping=Shipping(fee_fen=fee))
    assert quote.payable_fen >= 1
    assert quote.goods_fen - quote.discount_fen + quote.shipping_fen == quote.payable_fen
    assert all(paid >= 0 for paid in quote.line_paid_fen.values())


def test_percent_off_applies_to_what_the_member_discount_left():
    quote = price([TEE], member_percent=10, coupon=Coupon("percent_off", percent_off=15))
    assert kinds(quote) == {"member": 1000, "coupon": 1350}  # 15% of 9000
    capped = price([TEE], member_percent=10, coupon=Coupon("percent_off", percent_off=15, max_off_fen=1000))
    assert kinds(capped)["coupon"] == 1000


def test_no_threshold_stacks_with_member_and_min_spend_counts_after_member():
    assert kinds(price([MUG], member_percent=10, coupon=Coupon("no_threshold", amount_off_fen=500))) == {
        "member": 300, "coupon": 500}  # 10% of 2999 = 299.9 → 300 (half-up)
    with pytest.raises(PricingError) as err:  # 2999 − 300 = 2699 of eligible goods < 2999
        price([MUG], member_percent=10, coupon=Coupon("amount_off", amount_off_fen=500, min_spend_fen=2999))
    assert err.value.code == "coupon_min_spend_not_met"


def test_member_percent_rounds_half_up_per_line():
    quote = price([Line("a", "p", None, 5, 1), Line("b", "q", None, 15, 1)], member_percent=10)
    assert quote.discounts[0]["lines"] == {"a": 1, "b": 2}  # 0.5 → 1, 1.5 → 2


def test_points_cap_is_a_share_of_the_goods_and_fits_what_is_left():
    rule = PointsRule(points_per_yuan=100, cap_percent=50)
    quote = price([TEE], coupon=Coupon("amount_off", amount_off_fen=6000), points_to_use=10**6, points_rule=rule)
    assert kinds(quote) == {"coupon": 6000, "points": 3999} and quote.payable_fen == 1
    assert price([TEE], points_to_use=10**6, points_rule=PointsRule(100, 0)).points_used == 0


def test_every_discount_together_stops_at_one_fen():
    quote = price([MUG], member_percent=50, coupon=Coupon("no_threshold", amount_off_fen=1499),
                  points_to_use=10**6, points_rule=PointsRule(points_per_yuan=1, cap_percent=100))
    assert quote.payable_fen == 1 and quote.goods_fen - quote.discount_fen == 1
    assert quote.line_paid_fen == {"sku-mug": 1}
