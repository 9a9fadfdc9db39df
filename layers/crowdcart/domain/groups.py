"""Group-buy rules (pure): activity parameters, group deadlines, what a group's timer does next, and
the lottery's verifiable draw.

Lottery draw (commit–reveal): at activity creation the server picks a 32-byte secret `seed` and
publishes `seed_hash = SHA-256(seed)`. At the activity's end each formed group draws: every paid
member gets `score = HMAC-SHA256(key=seed, msg="<group_id>:<user_id>")` (hex), and the `winners`
lowest scores win. The seed is revealed with the result, so anyone can check that it hashes to the
commitment published before anybody joined, and recompute every score.
"""
import hashlib
import hmac
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional

KINDS = ("normal", "lottery", "new_user")
MIN_SIZE, MAX_SIZE = 2, 50  # a forming payment stamps every member's order in one transaction (≤ 100 actions)
MAX_DURATION_SECONDS = 7 * 86400
ALGORITHM = "HMAC-SHA256(seed, '<group_id>:<user_id>'), lowest scores win; SHA-256(seed) committed at creation"


class GroupRuleError(ValueError):
    """Activity parameters that break a rule; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class ActivityTerms:
    """What a merchant asks for, after validation."""

    group_price_fen: int
    group_size: int
    duration_seconds: int
    starts_at: int
    ends_at: Optional[int]
    kind: str
    winners: int
    per_user_limit: int


def terms(*, list_price_fen: int, group_price_fen: int, group_size: int, duration_seconds: int, kind: str,
          now: int, starts_at: Optional[int] = None, ends_at: Optional[int] = None, winners: Optional[int] = None,
          per_user_limit: int = 1) -> ActivityTerms:
    """Validate an activity's parameters against each other and the SKU's list price."""
    if kind not in KINDS:
        raise GroupRuleError("kind", f"must be one of {', '.join(KINDS)}")
    if not 1 <= group_price_fen <= list_price_fen:
        raise GroupRuleError("group_price_fen", f"must be between 1 and the SKU's price ({list_price_fen})")
    if not MIN_SIZE <= group_size <= MAX_SIZE:
        raise GroupRuleError("group_size", f"must be between {MIN_SIZE} and {MAX_SIZE}")
    if not 1 <= duration_seconds <= MAX_DURATION_SECONDS:
        raise GroupRuleError("duration_seconds", f"must be between 1 and {MAX_DURATION_SECONDS}")
    start = now if starts_at is None else starts_at
    if ends_at is not None and ends_at <= max(start, now):
        raise GroupRuleError("ends_at", "must be after starts_at and in the future")
    if kind == "lottery":
        if ends_at is None:
            raise GroupRuleError("ends_at", "a lottery draws at the activity's end, so it needs one")
        if winners is None or not 1 <= winners < group_size:
            raise GroupRuleError("winners", "a lottery needs 1 to group_size - 1 winners per group")
    elif winners:
        raise GroupRuleError("winners", "only a lottery has winners")
    if not 1 <= per_user_limit <= 100:
        raise GroupRuleError("per_user_limit", "must be between 1 and 100")
    return ActivityTerms(group_price_fen, group_size, duration_seconds, start, ends_at, kind,
                         winners or 0, per_user_limit)


def window_open(starts_at: int, ends_at: Optional[int], now: int) -> bool:
    """True while new groups may be opened."""
    return starts_at <= now and (ends_at is None or now < ends_at)


def group_deadline(opened_at: int, duration_seconds: int, ends_at: Optional[int]) -> int:
    """When a group opened at `opened_at` closes: its duration, but never after the activity ends."""
    deadline = opened_at + duration_seconds
    return min(deadline, ends_at) if ends_at is not None else deadline


def seats_left(size: int, seats_taken: int) -> int:
    """Seats nobody holds (paid or reserved)."""
    return max(0, size - seats_taken)


def forms(paid_count: int, size: int) -> bool:
    """True when one more payment fills the group."""
    return paid_count + 1 >= size


# what a group's timer does next (see infra/statemachines/groupbuy.group_timer.asl.json)
WAIT, FAIL, REFUND, DRAW, DONE = "wait", "fail", "refund", "draw", "done"


def next_step(status: str, kind: str, now: int, expires_at: int, drawn: bool, settled: bool) -> str:
    """The timer's next step for a group in `status` at `now`."""
    if status == "open":
        return WAIT if now < expires_at else FAIL
    if status == "failed":
        return DONE if settled else REFUND
    if kind == "lottery" and not settled:
        return REFUND if drawn else DRAW
    return DONE


# ---------------------------------------------------------------- the lottery

def commitment(seed_hex: str) -> str:
    """SHA-256 of the seed (hex), published before anybody joins."""
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def scores(seed_hex: str, group_id: str, user_ids: Iterable[str]) -> Dict[str, str]:
    """Each member's score: HMAC-SHA256(seed, '<group_id>:<user_id>') as hex."""
    key = bytes.fromhex(seed_hex)
    return {user: hmac.new(key, f"{group_id}:{user}".encode(), hashlib.sha256).hexdigest() for user in user_ids}


def draw(seed_hex: str, group_id: str, user_ids: Iterable[str], winners: int) -> List[str]:
    """The `winners` members with the lowest scores, best first."""
    ranked = scores(seed_hex, group_id, user_ids)
    return sorted(ranked, key=lambda user: (ranked[user], user))[:winners]


def draw_record(seed_hex: str, group_id: str, user_ids: Iterable[str], winners: int, drawn_at: int) -> Dict:
    """What is stored and shown about a draw: inputs, scores, result, and the revealed seed."""
    members = sorted(user_ids)
    return {"algorithm": ALGORITHM, "seed": seed_hex, "seed_hash": commitment(seed_hex), "group_id": group_id,
            "members": members, "scores": scores(seed_hex, group_id, members),
            "winners": draw(seed_hex, group_id, members, winners), "drawn_at": drawn_at}


def verify(record: Dict) -> bool:
    """Recompute a draw record: the seed matches its commitment and the winners follow from the scores."""
    try:
        if commitment(record["seed"]) != record["seed_hash"]:
            return False
        expected = draw(record["seed"], record["group_id"], record["members"], len(record["winners"]))
        return expected == record["winners"] and scores(record["seed"], record["group_id"],
                                                        record["members"]) == record["scores"]
    except (KeyError, ValueError, TypeError):
        return False
