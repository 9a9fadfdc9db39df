"""The prize pool of a red-packet campaign (pure): random shares that never exceed the budget.

A campaign has a budget (fen for coupon prizes, points for points prizes), a number of winners,
and a minimum and maximum prize. The pool keeps two counters, `remaining` and `winners_left`,
and stays *solvent*: `remaining >= winners_left × min_prize`, so every winner still to come can
be paid at least the minimum.

A draw reads the counters, picks an amount in [min, high] where
    high = min(max_prize, remaining − (winners_left − 1) × min_prize, ⌊2 × remaining / winners_left⌋)
(the "double mean" rule keeps early winners from emptying the pool; the last winner takes what
is left, up to the maximum), and names the `need`: amount + (winners_left − 1) × min_prize.
The completing transaction reserves it with
    SET remaining = remaining − amount, winners_left = winners_left − 1
    IF remaining >= need AND winners_left > 0
Counters only decrease, so a draw made from a stale read either still leaves the pool solvent
(the condition holds) or is refused and drawn again from a fresh read: concurrent completions
never take more than the budget nor pay more than `winners` prizes.
"""
import random
from dataclasses import dataclass
from typing import Tuple

MAX_WINNERS = 1_000_000
MAX_BUDGET = 10_000_000_000


class PoolExhausted(Exception):
    """No prize can be drawn: no winners left, or not even the minimum left in the pool."""


@dataclass(frozen=True)
class Draw:
    """One drawn prize and what the pool must still hold for it to stand."""

    amount: int
    need: int


def check_rule(budget: int, winners: int, min_prize: int, max_prize: int) -> None:
    """Raise ValueError naming the field when a campaign's pool cannot pay every winner its minimum."""
    if not 1 <= winners <= MAX_WINNERS:
        raise ValueError(f"winners: must be between 1 and {MAX_WINNERS}")
    if min_prize < 1:
        raise ValueError("min_prize: must be at least 1")
    if max_prize < min_prize:
        raise ValueError("max_prize: must be at least min_prize")
    if not 1 <= budget <= MAX_BUDGET:
        raise ValueError(f"budget: must be between 1 and {MAX_BUDGET}")
    if budget < winners * min_prize:
        raise ValueError(f"budget: must cover every winner's minimum ({winners * min_prize})")


def solvent(remaining: int, winners_left: int, min_prize: int) -> bool:
    """The pool can still pay every winner left at least the minimum."""
    return remaining >= 0 and winners_left >= 0 and remaining >= winners_left * min_prize


def bounds(remaining: int, winners_left: int, min_prize: int, max_prize: int) -> Tuple[int, int]:
    """The range a prize is drawn from now; PoolExhausted when nothing can be drawn."""
    if winners_left < 1:
        raise PoolExhausted("no winners left")
    high = min(max_prize, remaining - (winners_left - 1) * min_prize)
    if high < min_prize:
        raise PoolExhausted("the pool cannot pay the minimum")
    if winners_left > 1:
        high = max(min_prize, min(high, 2 * remaining // winners_left))
    return min_prize, high


def draw(remaining: int, winners_left: int, min_prize: int, max_prize: int, rng: random.Random) -> Draw:
    """A prize for the next winner (the last winner takes the rest, up to the maximum)."""
    low, high = bounds(remaining, winners_left, min_prize, max_prize)
    amount = high if winners_left == 1 else rng.randint(low, high)
    return Draw(amount=amount, need=amount + (winners_left - 1) * min_prize)


def reserve(remaining: int, winners_left: int, prize: Draw) -> Tuple[int, int]:
    """What the conditional write does (the database applies it atomically): the counters after the
    prize is taken, or PoolExhausted when its condition fails."""
    if winners_left < 1 or remaining < prize.need:
        raise PoolExhausted("the pool changed since the draw")
    return remaining - prize.amount, winners_left - 1
