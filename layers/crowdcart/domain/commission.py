"""Referral commission rules (pure): rates, who is paid for an order, amounts before and after refunds.

Rates are basis points (1/10,000) of what the buyer paid net of refunds (`payable_fen - refunded_fen`,
shipping included: it is what the shopper paid). Amounts round down to the fen, so a commission never
exceeds the configured rate. Level 1 is the buyer's promoter; level 2 (when the shop sets a level-2 rate)
is the promoter's own promoter. Nobody earns on their own order.
"""
from dataclasses import dataclass
from typing import List, Optional

RATE_SCALE = 10_000
MAX_LEVEL_RATE_BP = 3000  # 30 % per level
MAX_TOTAL_RATE_BP = 5000  # 50 % for both levels together

FROZEN, AVAILABLE, REVERSED = "frozen", "available", "reversed"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class Payee:
    """One promoter paid for an order: the level and the rate (basis points)."""

    level: int
    promoter_id: str
    rate_bp: int


def check_rates(level1_bp: int, level2_bp: int) -> None:
    """Raise ValueError naming the field when the rates are out of bounds."""
    if not 0 <= level1_bp <= MAX_LEVEL_RATE_BP:
        raise ValueError(f"level1_rate_bp: must be between 0 and {MAX_LEVEL_RATE_BP}")
    if not 0 <= level2_bp <= MAX_LEVEL_RATE_BP:
        raise ValueError(f"level2_rate_bp: must be between 0 and {MAX_LEVEL_RATE_BP}")
    if level1_bp + level2_bp > MAX_TOTAL_RATE_BP:
        raise ValueError(f"level2_rate_bp: both levels together must not exceed {MAX_TOTAL_RATE_BP}")


def net_paid(payable_fen: int, refunded_fen: int) -> int:
    """What the buyer paid and kept paid."""
    return max(0, int(payable_fen) - int(refunded_fen))


def commission_fen(base_fen: int, rate_bp: int) -> int:
    """The commission on `base_fen` at `rate_bp`, rounded down to the fen."""
    return max(0, int(base_fen)) * int(rate_bp) // RATE_SCALE


def amount_after_refund(payable_fen: int, refunded_fen: int, rate_bp: int) -> int:
    """The commission an order still earns once `refunded_fen` of it is refunded."""
    return commission_fen(net_paid(payable_fen, refunded_fen), rate_bp)


def payees(buyer_id: str, level1_id: Optional[str], level2_id: Optional[str], level1_bp: int,
           level2_bp: int) -> List[Payee]:
    """Who earns on the buyer's order: level 1 unless it is the buyer, level 2 only with a rate, a
    second promoter distinct from the buyer and from level 1 (a cycle A→B→A pays nobody twice)."""
    found: List[Payee] = []
    if level1_id and level1_id != buyer_id and level1_bp > 0:
        found.append(Payee(1, level1_id, level1_bp))
    if (level1_id and level2_id and level2_bp > 0 and level2_id not in (buyer_id, level1_id)
            and level1_id != buyer_id):
        found.append(Payee(2, level2_id, level2_bp))
    return found


def binding_expiry(bound_at: int, binding_days: int) -> Optional[int]:
    """When a binding made at `bound_at` lapses (None: never)."""
    return bound_at + binding_days * 86400 if binding_days > 0 else None


def in_force(bound_at: int, expires_at: Optional[int], moment: int) -> bool:
    """True when a binding made at `bound_at` (lapsing at `expires_at`) covers `moment`."""
    return bound_at <= moment and (expires_at is None or moment < expires_at)
