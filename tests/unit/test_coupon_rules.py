"""Coupon rules: template maths, validity windows, derived status and eligibility (owner, unused, valid)."""
import pytest

from crowdcart.domain import coupons as rules
from crowdcart.domain.pricing import Line, PricingError, price

NOW = 1_700_000_000


def test_rules_per_kind_keep_only_what_applies():
    amount = rules.rule_of("amount_off", amount_off_fen=2000, min_spend_fen=10000, percent_off=30)
    assert (amount["amount_off_fen"], amount["percent_off"], amount["min_spend_fen"]) == (2000, 0, 10000)
    percent = rules.rule_of("percent_off", percent_off=15, max_off_fen=500, amount_off_fen=100)
    assert (percent["percent_off"], percent["max_off_fen"], percent["amount_off_fen"]) == (15, 500, 0)
    free = rules.rule_of("no_threshold", amount_off_fen=300, min_spend_fen=99999)
    assert free["min_spend_fen"] == 0


@pytest.mark.parametrize("kind, fields, field", [
    ("percent_off", {"percent_off": 0}, "percent_off"),
    ("percent_off", {"percent_off": 100}, "percent_off"),
    ("amount_off", {"amount_off_fen": 0}, "amount_off_fen"),
    ("amount_off", {"amount_off_fen": 5000, "min_spend_fen": 3000}, "amount_off_fen"),
    ("bogus", {}, "kind"),
])
def test_bad_rules_name_their_field(kind, fields, field):
    with pytest.raises(ValueError) as err:
        rules.rule_of(kind, **fields)
    assert str(err.value).startswith(field + ":")


def test_stored_rule_prices_like_the_pricing_coupon():
    rule = rules.rule_of("percent_off", percent_off=20, max_off_fen=1500, category_ids=("c1",),
                         stackable_with_member=False)
    coupon = rules.pricing_coupon(rule)
    quote = price([Line("s1", "p1", "c1", 5000, 2), Line("s2", "p2", "c2", 3000, 1)], member_percent=5, coupon=coupon)
    assert {d["kind"]: d["amount_fen"] for d in quote.discounts} == {"coupon": 1500}  # 20% of 10000, capped


def test_validity_fixed_or_relative():
    assert rules.validity(NOW, 100, 200, None) == (100, 200)
    assert rules.validity(NOW, None, None, 7) == (NOW, NOW + 7 * 86400)
    assert rules.validity(NOW, None, 500, None) == (NOW, 500)
    assert rules.claimable_until(500, None) == 500 and rules.claimable_until(None, 3) == rules.FOREVER


def test_status_is_derived():
    assert rules.status_of("unused", NOW + 1, NOW) == "unused"
    assert rules.status_of("unused", NOW - 1, NOW) == "expired"
    assert rules.status_of("used", NOW - 1, NOW) == "used"


@pytest.mark.parametrize("owner, status, start, end, code", [
    ("bob", "unused", NOW - 10, NOW + 10, "coupon_not_found"),
    ("alice", "used", NOW - 10, NOW + 10, "coupon_used"),
    ("alice", "unused", NOW - 10, NOW - 1, "coupon_expired"),
    ("alice", "unused", NOW + 1, NOW + 10, "coupon_not_started"),
])
def test_eligibility_refusals(owner, status, start, end, code):
    with pytest.raises(PricingError) as err:
        rules.check_usable(owner, "alice", status, start, end, NOW)
    assert err.value.code == code


def test_usable_on_its_first_and_last_second():
    rules.check_usable("alice", "alice", "unused", NOW, NOW + 5, NOW)
    rules.check_usable("alice", "alice", "unused", NOW - 5, NOW, NOW)
