"""Sharded stock counters: even split, takes that never exceed a shard, rebalancing that conserves stock."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crowdcart.domain.sharding import choose_reads, rebalance, split, take, uneven

levels_st = st.lists(st.integers(min_value=0, max_value=500), min_size=1, max_size=32).map(
    lambda values: dict(enumerate(values)))


@given(st.integers(min_value=0, max_value=1_000_000), st.integers(min_value=1, max_value=64))
def test_split_is_even_and_complete(total, shards):
    parts = split(total, shards)
    assert len(parts) == shards and sum(parts) == total
    assert max(parts) - min(parts) <= 1


@settings(max_examples=300)
@given(levels_st, st.integers(min_value=1, max_value=50), st.integers(min_value=0, max_value=2**32))
def test_take_never_exceeds_a_shard_and_takes_exactly_the_quantity(levels, quantity, seed):
    plan = take(levels, quantity, random.Random(seed))
    if sum(levels.values()) < quantity:
        assert plan is None
        return
    assert plan is not None and sum(plan.values()) == quantity
    assert all(0 < units <= levels[i] for i, units in plan.items())
    if any(n >= quantity for n in levels.values()):
        assert len(plan) == 1  # one write when one shard suffices


def test_take_spreads_buyers_over_the_shards_by_their_stock():
    rng = random.Random(7)
    picks = [next(iter(take({0: 10, 1: 10, 2: 0, 3: 30}, 1, rng))) for _ in range(2000)]
    assert 2 not in picks
    assert 250 < picks.count(0) < 750 and 900 < picks.count(3) < 2100


@settings(max_examples=300)
@given(levels_st)
def test_rebalance_conserves_stock_and_evens_it_out(levels):
    changes = rebalance(levels)
    after = {i: n + changes.get(i, 0) for i, n in levels.items()}
    assert sum(changes.values()) == 0
    assert sum(after.values()) == sum(levels.values())
    assert min(after.values()) >= 0
    assert max(after.values()) - min(after.values()) <= 1
    assert all(delta != 0 for delta in changes.values())
    assert rebalance(after) == {}


def test_uneven_means_a_shard_cannot_serve_while_another_has_more_than_its_share():
    assert uneven({0: 0, 1: 5})
    assert not uneven({0: 0, 1: 1})
    assert not uneven({0: 3, 1: 5})
    assert not uneven({0: 9})


def test_choose_reads_prefers_shards_not_known_empty():
    rng = random.Random(3)
    for _ in range(100):
        picked = choose_reads(8, {0, 1, 2, 3, 4, 5}, 2, rng)
        assert picked == [6, 7]
    assert len(choose_reads(8, set(range(8)), 2, rng)) == 2
    assert choose_reads(1, set(), 2, rng) == [0]
    with pytest.raises(ValueError):
        split(5, 0)
