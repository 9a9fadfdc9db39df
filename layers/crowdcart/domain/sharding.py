"""Sharded stock counters (pure): split, choose where to take, and rebalance what is left.

A hot flash-sale item keeps its stock in N counters, each its own DynamoDB partition, so N
times the writes of one partition can land on it. Levels are passed as {shard index: stock}.
Nothing here does I/O: the caller reads the levels it needs and applies the results with
conditional writes (`stock >= take`), which is what actually prevents overselling.
"""
import random
from typing import Dict, Iterable, List, Mapping, Optional, Sequence


def split(total: int, shards: int) -> List[int]:
    """`total` units over `shards` counters, as even as whole units allow (earlier ones get the extra)."""
    if shards < 1:
        raise ValueError("at least one shard")
    if total < 0:
        raise ValueError("stock cannot be negative")
    base, extra = divmod(total, shards)
    return [base + (1 if i < extra else 0) for i in range(shards)]


def choose_reads(shards: int, believed_empty: Iterable[int], count: int, rng: random.Random) -> List[int]:
    """Which `count` shards to read for a purchase: random ones not believed empty (any if all are)."""
    empty = set(believed_empty)
    pool = [i for i in range(shards) if i not in empty] or list(range(shards))
    return sorted(rng.sample(pool, min(count, len(pool))))


def take(levels: Mapping[int, int], quantity: int, rng: random.Random) -> Optional[Dict[int, int]]:
    """Where to take `quantity` units from: {shard: units}, or None when the levels hold too few.

    One shard when one holds enough — picked at random weighted by its stock, so shards drain
    evenly and concurrent buyers spread out; otherwise the fullest shards first (fewest writes).
    """
    if quantity < 1:
        raise ValueError("quantity must be positive")
    stocked = {i: n for i, n in levels.items() if n > 0}
    if sum(stocked.values()) < quantity:
        return None
    enough = sorted(i for i, n in stocked.items() if n >= quantity)
    if enough:
        return {rng.choices(enough, weights=[stocked[i] for i in enough])[0]: quantity}
    plan: Dict[int, int] = {}
    left = quantity
    for i in sorted(stocked, key=lambda i: (-stocked[i], i)):
        plan[i] = min(left, stocked[i])
        left -= plan[i]
        if not left:
            break
    return plan


def rebalance(levels: Mapping[int, int]) -> Dict[int, int]:
    """Per-shard changes (summing to 0) that even the levels out to within one unit of each other.

    The extra units of an uneven total stay with the shards that hold most now (fewest moves).
    Shards already on target are left out, so each changed shard appears once (a transaction
    may not touch one item twice).
    """
    if not levels:
        return {}
    total, count = sum(levels.values()), len(levels)
    base, extra = divmod(total, count)
    order = sorted(levels, key=lambda i: (-levels[i], i))
    target = {i: base + (1 if rank < extra else 0) for rank, i in enumerate(order)}
    return {i: target[i] - levels[i] for i in order if target[i] != levels[i]}


def uneven(levels: Mapping[int, int], quantity: int = 1) -> bool:
    """True when some shard cannot serve `quantity` while another holds more than its even share."""
    if len(levels) < 2:
        return False
    values: Sequence[int] = list(levels.values())
    return min(values) < quantity and max(values) - min(values) > 1
