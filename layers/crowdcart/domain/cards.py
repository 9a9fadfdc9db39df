"""Card collecting (集卡) rules (pure): K card kinds with rarity weights, a full set, duplicates.

A set has 2..MAX_KINDS kinds named `k1`…`kK`. A draw picks a kind with probability weight / total
weight (`rng.randrange(total)` over cumulative weights), so a rare card is one with a small weight.
An album holds a count per kind; it is complete when every kind has at least one, and only cards
beyond the first of a kind (duplicates) may be given to a friend. Redeeming a full set takes one of
each kind.
"""
import random
from dataclasses import dataclass
from typing import Dict, List, Mapping, Sequence

MIN_KINDS, MAX_KINDS = 2, 20
MAX_WEIGHT = 1_000_000


@dataclass(frozen=True)
class Kind:
    """A card kind: its id and rarity weight."""

    kind_id: str
    weight: int


def kind_ids(count: int) -> List[str]:
    """The ids of a set of `count` kinds."""
    return [f"k{i + 1}" for i in range(count)]


def validate(weights: Sequence[int]) -> None:
    """Raise ValueError naming the field when the kinds cannot make a set."""
    if not MIN_KINDS <= len(weights) <= MAX_KINDS:
        raise ValueError(f"kinds: between {MIN_KINDS} and {MAX_KINDS} kinds")
    for index, weight in enumerate(weights):
        if not 1 <= weight <= MAX_WEIGHT:
            raise ValueError(f"kinds.{index}.weight: must be between 1 and {MAX_WEIGHT}")


def pick(kinds: Sequence[Kind], rng: random.Random) -> str:
    """The kind a draw yields."""
    point = rng.randrange(sum(k.weight for k in kinds))
    upper = 0
    for kind in kinds:
        upper += kind.weight
        if point < upper:
            return kind.kind_id
    raise AssertionError("unreachable: the point lies below the total weight")


def chances(kinds: Sequence[Kind]) -> Dict[str, float]:
    """Each kind's probability per draw."""
    total = sum(k.weight for k in kinds)
    return {k.kind_id: k.weight / total for k in kinds}


def missing(cards: Mapping[str, int], ids: Sequence[str]) -> List[str]:
    """The kinds the album has none of."""
    return [k for k in ids if int(cards.get(k) or 0) < 1]


def complete(cards: Mapping[str, int], ids: Sequence[str]) -> bool:
    """True when the album holds every kind."""
    return not missing(cards, ids)


def duplicates(cards: Mapping[str, int], ids: Sequence[str]) -> Dict[str, int]:
    """How many of each kind could be given away (all but one)."""
    return {k: int(cards.get(k) or 0) - 1 for k in ids if int(cards.get(k) or 0) > 1}


def system_rng() -> random.Random:
    """Randomness for real draws (the OS's CSPRNG, as `secrets` uses)."""
    return random.SystemRandom()
