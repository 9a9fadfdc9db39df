"""The order state machine: which transitions exist (pure; the database enforces them conditionally)."""
from typing import Dict, FrozenSet

PENDING_PAYMENT = "pending_payment"
PAID = "paid"
SHIPPED = "shipped"
RECEIVED = "received"
COMPLETED = "completed"
CANCELLED = "cancelled"
REFUNDING = "refunding"
REFUNDED = "refunded"

STATUSES = (PENDING_PAYMENT, PAID, SHIPPED, RECEIVED, COMPLETED, CANCELLED, REFUNDING, REFUNDED)

# from-state -> the states it may move to
TRANSITIONS: Dict[str, FrozenSet[str]] = {
    PENDING_PAYMENT: frozenset({PAID, CANCELLED}),
    PAID: frozenset({SHIPPED, RECEIVED, REFUNDING, REFUNDED}),
    SHIPPED: frozenset({RECEIVED, REFUNDING}),
    RECEIVED: frozenset({COMPLETED, REFUNDING}),
    REFUNDING: frozenset({REFUNDED, PAID, SHIPPED, RECEIVED, COMPLETED}),
    CANCELLED: frozenset(),
    COMPLETED: frozenset({REFUNDING}),
    REFUNDED: frozenset(),
}


def sources_of(target: str) -> FrozenSet[str]:
    """Every state from which `target` can be reached in one step."""
    return frozenset(src for src, targets in TRANSITIONS.items() if target in targets)


def can_move(source: str, target: str) -> bool:
    """True when source → target is a legal transition."""
    return target in TRANSITIONS.get(source, frozenset())
