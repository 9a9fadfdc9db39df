"""The bargain cut sequence: floor reached exactly on the last helper, ≥ 1 fen each, largest first."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdcart.domain.bargain_cuts import plan_cuts, prices_after

plans = st.integers(min_value=1, max_value=200).flatmap(
    lambda helpers: st.tuples(st.just(helpers), st.integers(min_value=helpers, max_value=2_000_000),
                              st.integers(min_value=0, max_value=2**32)))


@settings(max_examples=400)
@given(plans)
def test_cuts_add_up_to_the_gap_one_per_helper_each_at_least_one_fen(plan):
    helpers, gap, seed = plan
    cuts = plan_cuts(gap, helpers, random.Random(seed))
    assert len(cuts) == helpers
    assert sum(cuts) == gap
    assert min(cuts) >= 1


@settings(max_examples=400)
@given(plans, st.integers(min_value=1, max_value=100_000))
def test_the_floor_is_reached_exactly_on_the_last_needed_helper(plan, floor):
    helpers, gap, seed = plan
    prices = prices_after(floor + gap, plan_cuts(gap, helpers, random.Random(seed)))
    assert prices[-1] == floor
    assert all(price > floor for price in prices[:-1])
    assert all(a > b for a, b in zip(prices, prices[1:]))  # every help lowers the price


@settings(max_examples=400)
@given(plans)
def test_early_cuts_are_larger(plan):
    helpers, gap, seed = plan
    cuts = plan_cuts(gap, helpers, random.Random(seed))
    assert all(a >= b for a, b in zip(cuts, cuts[1:]))
    assert cuts[0] * helpers >= gap  # the first friend cuts at least the average


def test_the_first_of_five_friends_cuts_about_half_and_sessions_differ():
    gap = 10_000  # 100 yuan to cut with 5 friends
    firsts = [plan_cuts(gap, 5, random.Random(seed))[0] for seed in range(200)]
    assert all(0.3 * gap <= first <= 0.75 * gap for first in firsts)
    assert len({tuple(plan_cuts(gap, 5, random.Random(seed))) for seed in range(50)}) > 40


def test_a_gap_of_one_fen_per_helper_is_all_single_fen_and_less_is_refused():
    assert plan_cuts(7, 7, random.Random(1)) == [1] * 7
    with pytest.raises(ValueError):
        plan_cuts(6, 7, random.Random(1))
    with pytest.raises(ValueError):
        plan_cuts(10, 0, random.Random(1))
