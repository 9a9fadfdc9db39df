"""Red-packet prize pool: draws stay within [min, max], the budget and the number of winners are never
exceeded, also when completions draw from stale reads and race for the pool (simulated interleavings)."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdcart.domain.prize_pool import PoolExhausted, bounds, check_rule, draw, reserve, solvent


@st.composite
def pools(draw_):
    winners = draw_(st.integers(min_value=1, max_value=60))
    min_prize = draw_(st.integers(min_value=1, max_value=500))
    max_prize = draw_(st.integers(min_value=min_prize, max_value=min_prize * 20))
    budget = draw_(st.integers(min_value=winners * min_prize, max_value=winners * max_prize + 1000))
    return budget, winners, min_prize, max_prize


@settings(max_examples=300)
@given(pools(), st.integers(min_value=0, max_value=2**32))
def test_sequential_draws_pay_every_winner_within_bounds_and_never_exceed_the_budget(pool, seed):
    budget, winners, low, high = pool
    check_rule(budget, winners, low, high)
    rng, remaining, left, paid = random.Random(seed), budget, winners, []
    while left:
        prize = draw(remaining, left, low, high, rng)
        remaining, left = reserve(remaining, left, prize)
        assert solvent(remaining, left, low)
        paid.append(prize.amount)
    assert len(paid) == winners
    assert all(low <= amount <= high for amount in paid)
    assert sum(paid) + remaining == budget and remaining >= 0
    with pytest.raises(PoolExhausted):
        draw(remaining, left, low, high, rng)


@settings(max_examples=300)
@given(pools(), st.integers(min_value=0, max_value=2**32), st.integers(min_value=2, max_value=12))
def test_racing_completions_from_stale_reads_never_exceed_budget_or_winners(pool, seed, racers):
    """Each round, `racers` completions read the same counters, draw, then commit in a random order;
    the conditional reserve refuses the stale ones, which re-read and draw again next round."""
    budget, winners, low, high = pool
    rng, remaining, left, paid = random.Random(seed), budget, winners, []
    waiting = winners + racers  # more completions than winners: the extra ones must find the pool closed
    while waiting:
        batch = min(racers, waiting)
        snapshot = (remaining, left)
        attempts = []
        for _ in range(batch):
            try:
                attempts.append(draw(*snapshot, low, high, rng))
            except PoolExhausted:
                waiting -= 1
        if not attempts:
            break
        rng.shuffle(attempts)
        for prize in attempts:
            try:
                remaining, left = reserve(remaining, left, prize)
            except PoolExhausted:
                continue  # refused: this completion re-reads and draws again
            paid.append(prize.amount)
            waiting -= 1
            assert solvent(remaining, left, low)
    assert len(paid) == winners and left == 0
    assert sum(paid) <= budget and sum(paid) + remaining == budget
    assert all(low <= amount <= high for amount in paid)


@settings(max_examples=200)
@given(pools())
def test_bounds_keep_the_minimum_for_everyone_still_to_win(pool):
    budget, winners, low, high = pool
    lo, hi = bounds(budget, winners, low, high)
    assert low == lo <= hi <= high
    assert budget - hi >= (winners - 1) * low


@pytest.mark.parametrize("args, field", [
    ((100, 0, 1, 10), "winners"), ((100, 5, 0, 10), "min_prize"), ((100, 5, 10, 5), "max_prize"),
    ((40, 5, 10, 20), "budget"), ((0, 1, 1, 1), "budget"),
])
def test_impossible_rules_name_the_field(args, field):
    with pytest.raises(ValueError, match=f"^{field}:"):
        check_rule(*args)


def test_the_last_winner_takes_the_rest_up_to_the_maximum():
    assert draw(70, 1, 10, 100, random.Random(1)).amount == 70
    assert draw(700, 1, 10, 100, random.Random(1)).amount == 100
