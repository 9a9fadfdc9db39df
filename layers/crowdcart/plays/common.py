"""Helpers the plays share: one read batch with the participation marker, participation counted in the
play's transaction (crowdcart.viral), once-per-cause earnings and daily share caps."""
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

from pynamodb.exceptions import DoesNotExist

from crowdcart import viral
from crowdcart.clock import now, today
from crowdcart.db.connection import Entity
from crowdcart.db.models.games import PlayEarning, PlayShareDay
from crowdcart.db.models.shops import Shopper
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction

EARNED, DUPLICATE, CAPPED = "earned", "duplicate", "capped"
Layout = Callable[[Transaction], None]


class Snapshot(NamedTuple):
    """What `read` found: items by (PK, SK), the shopper's profile, whether they took part already."""

    items: Dict[Tuple[str, str], Any]
    profile: Optional[Shopper]
    participated: bool


def profile(shop_id: str, user_id: str) -> Optional[Shopper]:
    """The shopper's profile, or None."""
    try:
        return Shopper.get(*Shopper.key(shop_id, user_id))
    except DoesNotExist:
        return None


def is_new_since(shopper: Optional[Shopper], since: int) -> bool:
    """A shopper is new to a campaign when their profile was created at or after its start."""
    return viral.is_new_user(shopper, since)


def read(shop_id: str, kind: str, campaign_id: str, user_id: str, *keys: Tuple[str, str]) -> Snapshot:
    """One BatchGet of `keys` plus the shopper's profile and participation marker (a draw's reads)."""
    profile_key = Shopper.key(shop_id, user_id)
    marker_key = viral.participation_key(shop_id, kind, campaign_id, user_id)
    wanted = list(dict.fromkeys([*keys, profile_key, marker_key]))
    found = {(item.PK, item.SK): item for item in Entity.batch_get(wanted)}
    return Snapshot(found, found.get(profile_key), marker_key in found)


def commit_counted(layout: Layout, shop_id: str, kind: str, campaign_id: str, user_id: str,
                   is_new: bool, counted_before: bool = False) -> None:
    """Commit `layout`'s writes together with the shopper's participation in the campaign, counted once
    (crowdcart.viral.run_counted: without it when `counted_before` or when a concurrent first
    participation won). The layout's own failed conditions propagate as ConditionFailed."""
    def build() -> Transaction:
        tx = Transaction()
        layout(tx)
        return tx

    viral.run_counted(build, shop_id, kind, campaign_id, user_id, is_new, counted_before)


def earn_once(partition: str, cause: str, amount: int, add: Layout, at: Optional[int] = None,
              cap: Optional[Layout] = None) -> str:
    """Credit `amount` once per cause: the marker `EARN#<cause>` put only if absent and `add(tx)` (the
    counter's ADD) in one transaction, plus `cap(tx)` (a daily counter under its cap) when given.
    Returns earned, duplicate (this cause was credited before) or capped."""
    moment = at or now()

    def build() -> Transaction:
        tx = Transaction()
        tx.put("earn", PlayEarning(*PlayEarning.key(partition, cause), cause=cause, amount=amount, at=moment),
               PlayEarning.PK.does_not_exist())
        add(tx)
        if cap:
            cap(tx)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == "earn":
            return DUPLICATE
        if exc.label == "share_day":
            return CAPPED
        raise
    return EARNED


def share_cap(partition: str, daily_cap: int, at: Optional[int] = None) -> Layout:
    """A layout raising today's share counter only below `daily_cap` (label `share_day`)."""
    day = today(at or now())

    def add(tx: Transaction) -> None:
        tx.update("share_day", PlayShareDay(*PlayShareDay.key(partition, day)),
                  [PlayShareDay.entity.set(PlayShareDay), PlayShareDay.shares.add(1)],
                  condition=PlayShareDay.shares.does_not_exist() | (PlayShareDay.shares < daily_cap))

    return add
