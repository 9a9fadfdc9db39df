"""Referral commission rules: rounding, who is paid, refunds, binding windows, rate bounds."""
import pytest

from crowdcart.domain import commission as rules


def test_commission_rounds_down_to_the_fen():
    assert rules.commission_fen(9999, 500) == 499  # 5 % of 99.99 yuan
    assert rules.commission_fen(19, 500) == 0
    assert rules.commission_fen(-5, 500) == 0


def test_refunds_lower_the_commission_on_what_stays_paid():
    assert rules.amount_after_refund(10000, 0, 1000) == 1000
    assert rules.amount_after_refund(10000, 2500, 1000) == 750
    assert rules.amount_after_refund(10000, 10000, 1000) == 0
    assert rules.amount_after_refund(10000, 12000, 1000) == 0


def test_payees_one_and_two_levels():
    assert rules.payees("buyer", "p1", None, 500, 0) == [rules.Payee(1, "p1", 500)]
    assert rules.payees("buyer", "p1", "p2", 500, 200) == [rules.Payee(1, "p1", 500), rules.Payee(2, "p2", 200)]
    assert rules.payees("buyer", "p1", "p2", 500, 0) == [rules.Payee(1, "p1", 500)]
    assert rules.payees("buyer", None, None, 500, 200) == []


def test_nobody_earns_on_their_own_order_and_cycles_pay_once():
    assert rules.payees("p1", "p1", "p2", 500, 200) == []
    assert rules.payees("a", "b", "a", 500, 200) == [rules.Payee(1, "b", 500)]  # a→b→a: a earns nothing
    assert rules.payees("a", "b", "b", 500, 200) == [rules.Payee(1, "b", 500)]


def test_binding_windows():
    assert rules.binding_expiry(1000, 0) is None
    assert rules.binding_expiry(1000, 2) == 1000 + 2 * 86400
    assert rules.in_force(1000, None, 10 ** 9)
    assert not rules.in_force(1000, None, 999)  # an order placed before the binding
    assert rules.in_force(1000, 2000, 1999) and not rules.in_force(1000, 2000, 2000)


@pytest.mark.parametrize("level1, level2, field", [(3001, 0, "level1_rate_bp"), (-1, 0, "level1_rate_bp"),
                                                   (100, 3001, "level2_rate_bp"), (3000, 2001, "level2_rate_bp")])
def test_rate_bounds(level1, level2, field):
    with pytest.raises(ValueError) as caught:
        rules.check_rates(level1, level2)
    assert str(caught.value).split(":")[0] == field
    rules.check_rates(3000, 2000)
