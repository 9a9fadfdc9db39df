"""Fixed-window rate limits kept in DynamoDB: one conditional ADD per check, expired by TTL.

A limit allows `max_hits` calls per `window_seconds` per subject (a user id, a source IP).
The counter of the current window is one item, `SHOP#s#RATE#<name>#<kind>#<subject>#<window>`;
a check is `ADD hits :1` under `attribute_not_exists(hits) OR hits < :max`, so concurrent
calls never let more than `max_hits` through, and the refused call writes nothing. The item
expires (TTL) shortly after its window, so the table does not grow.
"""
import hashlib
from dataclasses import dataclass
from typing import Optional

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import UpdateError

from crowdcart.clock import now
from crowdcart.db import keys
from crowdcart.db.connection import Entity
from crowdcart.errors import TooManyRequests

TTL_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class Limit:
    """`max_hits` calls per `window_seconds`, named (the name separates the counters of different limits)."""

    name: str
    max_hits: int
    window_seconds: int

    def __post_init__(self) -> None:
        if self.max_hits < 1 or self.window_seconds < 1:
            raise ValueError("a limit needs max_hits >= 1 and window_seconds >= 1")


class RateCounter(Entity, discriminator="rate_counter"):
    """Hits of one subject in one window of one limit."""

    hits = NumberAttribute(default=0)
    expires_at_ttl = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, name: str, kind: str, subject: str, window: int) -> tuple:
        """(PK, SK) of a window counter."""
        return keys.scoped(shop_id, "RATE", name, kind, subject, str(window)), "RATE"


def _subject(value: str) -> str:
    """A key-safe, bounded form of a subject (IPv6 and odd strings included)."""
    if len(value) <= 64 and value.replace(".", "").replace(":", "").isalnum():
        return value
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def hit(shop_id: str, limit: Limit, kind: str, subject: Optional[str], at: Optional[int] = None) -> None:
    """Count one call of `subject` (kind "user" or "ip"); 429 `rate_limited` past the limit.

    A missing subject (no source IP in-process) is not limited.
    """
    if not subject:
        return
    moment = at or now()
    window = moment // limit.window_seconds
    window_end = (window + 1) * limit.window_seconds
    counter = RateCounter(*RateCounter.key(shop_id, limit.name, kind, _subject(subject), window))
    try:
        counter.update(actions=[RateCounter.hits.add(1), RateCounter.entity.set(RateCounter),
                                RateCounter.expires_at_ttl.set(window_end + TTL_MARGIN_SECONDS)],
                       condition=RateCounter.hits.does_not_exist() | (RateCounter.hits < limit.max_hits))
    except UpdateError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            raise TooManyRequests("rate_limited", f"Too many attempts; try again in {window_end - moment} s.",
                                  limit=limit.name, per=kind, retry_after_seconds=window_end - moment) from exc
        raise


def hit_all(shop_id: str, limit_user: Limit, user_id: str, limit_ip: Limit, source_ip: Optional[str],
            at: Optional[int] = None) -> None:
    """The usual pair: count the caller per user, then per source IP."""
    hit(shop_id, limit_user, "user", user_id, at)
    hit(shop_id, limit_ip, "ip", source_ip, at)
