"""Lottery draws: the configured probabilities hold (chi-square and binomial bounds, fixed seed), and an
out-of-stock prize falls through to thanks."""
import math
import random
from collections import Counter

import pytest

from crowdcart.domain import lottery as rules

PRIZES = [rules.Prize("p1", rules.COUPON, 100_000, 50),        # 10 %
          rules.Prize("p2", rules.POINTS, 250_000, 500),       # 25 %
          rules.Prize("p3", rules.PRODUCT, 10_000, 3),         # 1 %
          rules.Prize("p4", rules.THANKS, 300_000)]            # 30 %, and the unassigned 34 % is thanks too
DRAWS = 200_000
CHI2_CRITICAL_DF4_P001 = 18.467  # chi-square with 4 degrees of freedom, upper 0.1 % point


def _counts(seed: int) -> Counter:
    rng = random.Random(seed)
    return Counter((p.prize_id if p else None) for p in (rules.pick(PRIZES, rng) for _ in range(DRAWS)))


def test_probabilities_pass_a_chi_square_test():
    counts = _counts(20240601)
    expected = rules.expected(PRIZES)
    statistic = sum((counts[k] - DRAWS * p) ** 2 / (DRAWS * p) for k, p in expected.items())
    assert statistic < CHI2_CRITICAL_DF4_P001, (statistic, counts)


def test_each_prize_lies_within_five_standard_deviations_of_its_expectation():
    counts = _counts(7)
    for key, p in rules.expected(PRIZES).items():
        sigma = math.sqrt(DRAWS * p * (1 - p))
        assert abs(counts[key] - DRAWS * p) <= 5 * sigma, (key, counts[key], DRAWS * p)


def test_a_broken_generator_would_fail_the_test():
    """The test has teeth: a pick that ignores the third prize's range is rejected."""
    rng = random.Random(11)
    skewed = [rules.Prize("p1", rules.COUPON, 110_000, 50)] + PRIZES[1:2] + PRIZES[3:]
    counts = Counter((p.prize_id if p else None) for p in (rules.pick(skewed, rng) for _ in range(DRAWS)))
    expected = rules.expected(PRIZES)
    statistic = sum((counts[k] - DRAWS * p) ** 2 / (DRAWS * p) for k, p in expected.items())
    assert statistic > CHI2_CRITICAL_DF4_P001


def test_boundaries_of_the_ranges():
    class Fixed(random.Random):
        def __init__(self, value):
            super().__init__(0)
            self.value = value

        def randrange(self, *_):
            return self.value

    assert rules.pick(PRIZES, Fixed(0)).prize_id == "p1"
    assert rules.pick(PRIZES, Fixed(99_999)).prize_id == "p1"
    assert rules.pick(PRIZES, Fixed(100_000)).prize_id == "p2"
    assert rules.pick(PRIZES, Fixed(359_999)).prize_id == "p3"
    assert rules.pick(PRIZES, Fixed(360_000)).prize_id == "p4"
    assert rules.pick(PRIZES, Fixed(660_000)) is None
    assert rules.pick(PRIZES, Fixed(999_999)) is None


def test_out_of_stock_falls_through_to_thanks_and_never_beyond_stock():
    """Simulate the stock counters the draw transaction decrements conditionally."""
    rng = random.Random(3)
    stock = {p.prize_id: p.stock for p in PRIZES if rules.needs_stock(p)}
    won, fell = Counter(), Counter()
    for _ in range(20_000):
        picked = rules.pick(PRIZES, rng)
        in_stock = rules.needs_stock(picked) and stock[picked.prize_id] > 0
        given = rules.handed_out(picked, in_stock)
        if rules.wins(given):
            stock[given.prize_id] -= 1
            won[given.prize_id] += 1
        elif rules.needs_stock(picked):
            fell[picked.prize_id] += 1
            assert given is None
    assert won == {"p1": 50, "p2": 500, "p3": 3}
    assert all(fell[p] > 0 for p in ("p1", "p2", "p3"))
    assert rules.handed_out(PRIZES[3], in_stock=False) == PRIZES[3]  # a thanks prize needs no stock
    assert rules.handed_out(None, in_stock=False) is None


@pytest.mark.parametrize("prizes, field", [
    ([], "prizes"),
    ([rules.Prize("p1", rules.COUPON, 600_000, 1), rules.Prize("p2", rules.POINTS, 400_001, 1)], "prizes"),
    ([rules.Prize("p1", "cash", 1, 1)], "prizes.0.kind"),
    ([rules.Prize("p1", rules.POINTS, 10, None)], "prizes.0.stock"),
    ([rules.Prize("p1", rules.POINTS, 10, 1), rules.Prize("p1", rules.POINTS, 10, 1)], "prizes"),
])
def test_validation_names_the_field(prizes, field):
    with pytest.raises(ValueError) as caught:
        rules.validate(prizes)
    assert str(caught.value).split(":")[0] == field


def test_full_probability_is_allowed():
    rules.validate([rules.Prize("p1", rules.POINTS, rules.PPM, 5)])
    assert rules.expected([rules.Prize("p1", rules.POINTS, rules.PPM, 5)])[None] == 0
