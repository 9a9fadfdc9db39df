"""Lottery draws (pure): prizes with a probability and a stock, one pick per draw.

Probabilities are integers in parts per million (ppm); they add up to at most 1,000,000 and the
rest is "thanks for taking part". A draw picks with `rng.randrange(1_000_000)` against the prizes'
cumulative ranges, in the order the merchant listed them, so the chance of each prize is exactly
its ppm / 1,000,000.

The stock rule: a prize is only handed out if its stock counter can be decremented (a conditional
write). When the picked prize is out of stock the draw falls through to "thanks" — it does not
re-pick among the prizes left, so no prize is ever won more often than published and the published
probabilities stay upper bounds. `secrets`-backed randomness in production (`system_rng`), a seeded
`random.Random` in tests.
"""
import random
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence

PPM = 1_000_000
COUPON, POINTS, PRODUCT, THANKS = "coupon", "points", "product", "thanks"
KINDS = (COUPON, POINTS, PRODUCT, THANKS)
MAX_PRIZES = 12


@dataclass(frozen=True)
class Prize:
    """What a draw can hand out: its id, kind, chance (ppm) and stock (None for thanks)."""

    prize_id: str
    kind: str
    probability_ppm: int
    stock: Optional[int] = None


def validate(prizes: Sequence[Prize]) -> None:
    """Raise ValueError naming the field when the prize list is not drawable."""
    if not 1 <= len(prizes) <= MAX_PRIZES:
        raise ValueError(f"prizes: between 1 and {MAX_PRIZES} prizes")
    if len({p.prize_id for p in prizes}) != len(prizes):
        raise ValueError("prizes: prize ids must be distinct")
    for index, prize in enumerate(prizes):
        if prize.kind not in KINDS:
            raise ValueError(f"prizes.{index}.kind: must be one of {', '.join(KINDS)}")
        if not 0 <= prize.probability_ppm <= PPM:
            raise ValueError(f"prizes.{index}.probability_ppm: must be between 0 and {PPM}")
        if prize.kind != THANKS and (prize.stock is None or prize.stock < 0):
            raise ValueError(f"prizes.{index}.stock: a {prize.kind} prize needs a stock")
    if sum(p.probability_ppm for p in prizes) > PPM:
        raise ValueError(f"prizes: probabilities must add up to at most {PPM} ppm")


def pick(prizes: Sequence[Prize], rng: random.Random) -> Optional[Prize]:
    """The prize whose range the draw lands in, or None (the unassigned rest: thanks)."""
    point = rng.randrange(PPM)
    upper = 0
    for prize in prizes:
        upper += prize.probability_ppm
        if point < upper:
            return prize
    return None


def needs_stock(prize: Optional[Prize]) -> bool:
    """True when handing out `prize` must take one from its stock."""
    return prize is not None and prize.kind != THANKS


def handed_out(picked: Optional[Prize], in_stock: bool) -> Optional[Prize]:
    """What a draw gives: a thanks prize as picked; a stocked prize only when one could be taken from
    its stock — otherwise None, i.e. thanks (the fall-through rule)."""
    if not needs_stock(picked):
        return picked
    return picked if in_stock else None


def wins(prize: Optional[Prize]) -> bool:
    """True for a prize that gives the shopper something."""
    return prize is not None and prize.kind != THANKS


def expected(prizes: Iterable[Prize]) -> Dict[Optional[str], float]:
    """Each prize id's probability, and None for the unassigned rest."""
    listed = list(prizes)
    chances: Dict[Optional[str], float] = {p.prize_id: p.probability_ppm / PPM for p in listed}
    chances[None] = 1 - sum(p.probability_ppm for p in listed) / PPM
    return chances


def system_rng() -> random.Random:
    """Randomness for real draws (the OS's CSPRNG, as `secrets` uses)."""
    return random.SystemRandom()


def prize_ids(count: int) -> List[str]:
    """Ids given to a new lottery's prizes, in listed order."""
    return [f"p{i + 1}" for i in range(count)]
