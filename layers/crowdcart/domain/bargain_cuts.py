"""The cut sequence of a bargain (砍价) session, planned once when the session starts (pure).

A session must fall from the start price to the floor in exactly `helpers` cuts. The whole
sequence is drawn up front and stored on the session; the n-th helper takes cut n. So:

1. every cut gets 1 fen first (no cut is below 1 fen, so the floor is reached on the last
   needed helper and not before);
2. the spare fen (total − helpers) are shared out by decaying weights
   w_i = r^i × jitter_i, where r = tail^(1/(helpers−1)), tail ∈ [0.03, 0.12) drawn per
   session (the last weight is 3–12 % of the first) and jitter_i ∈ [0.85, 1.15);
   whole fen by largest remainder, so the shares add up exactly;
3. the cuts are sorted largest first, so the sequence never grows: the first friend cuts
   the most (about half of the way with five helpers), later friends cut less and less —
   the familiar feel — and the last ones may cut a single fen.

The randomness comes from the `rng` given (a seeded `random.Random` in tests).
"""
import random
from typing import List, Sequence

from crowdcart.domain.pricing import allocate

TAIL_RANGE = (0.03, 0.12)
JITTER_RANGE = (0.85, 1.15)
WEIGHT_SCALE = 1_000_000  # float weights become integers, so the split is exact integer maths


def plan_cuts(total_fen: int, helpers: int, rng: random.Random) -> List[int]:
    """`helpers` cuts in fen, largest first, each ≥ 1, adding up to exactly `total_fen`."""
    if helpers < 1:
        raise ValueError("a bargain needs at least one helper")
    if total_fen < helpers:
        raise ValueError("the price gap must be at least 1 fen per helper")
    if helpers == 1:
        return [total_fen]
    ratio = rng.uniform(*TAIL_RANGE) ** (1 / (helpers - 1))
    weights = [int(ratio ** i * rng.uniform(*JITTER_RANGE) * WEIGHT_SCALE) + 1 for i in range(helpers)]
    shares = allocate(total_fen - helpers, weights)
    return sorted((1 + share for share in shares), reverse=True)


def prices_after(start_fen: int, cuts: Sequence[int]) -> List[int]:
    """The price after each cut, in order (the last one is the floor)."""
    prices, price = [], start_fen
    for cut in cuts:
        price -= cut
        prices.append(price)
    return prices
