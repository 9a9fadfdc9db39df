"""What the viral plays (red packets, shared discounts, gift vouchers) share: counting a participant in
the same transaction as the play's own write, new-user flags, and the share card.

Participation is counted once per shopper per campaign (crowdcart.analytics). A play reads the
shopper's participation marker in its read batch; when absent, the marker and the counter join the
play's transaction. A concurrent first participation by the same shopper (two friends' packets
assisted at once) fails the marker's condition: the play's transaction is then simply run again
without it — the shopper is counted once, by the other transaction.
"""
from typing import Any, Callable, Dict, Optional

from crowdcart import analytics
from crowdcart.db.models.analytics import Participation
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction

PARTICIPATION = "analytics:participation"


def participation_key(shop_id: str, kind: str, campaign_id: str, user_id: str) -> tuple:
    """The key of a shopper's participation marker (to read in the play's batch)."""
    return Participation.key(shop_id, kind, campaign_id, user_id)


def run_counted(build: Callable[[], Transaction], shop_id: str, kind: str, campaign_id: str, user_id: str,
                is_new_user: bool, joined: bool) -> None:
    """Run the play's transaction with the participation counted in it (unless `joined` already).

    `build()` lays out the play's writes; ConditionFailed of the play's own labels propagates.
    """
    def counted() -> Transaction:
        tx = build()
        analytics.participate(shop_id, kind, campaign_id, user_id, is_new_user, tx=tx)
        return tx

    if joined:
        run_transaction(build)
        return
    try:
        run_transaction(counted)
    except ConditionFailed as exc:
        if exc.label != PARTICIPATION:
            raise
        run_transaction(build)


def is_new_user(profile: Any, since: int) -> bool:
    """A shopper is new to the shop when their account was made after the shared object was (they came
    through it)."""
    return profile is not None and int(profile.created_at) >= int(since)


def share_card(title: str, description: str, path: str, image: Optional[str] = None) -> Dict[str, Any]:
    """What the mini-program's share card shows (`onShareAppMessage`: title, path, imageUrl) and its text."""
    return {"title": title[:60], "description": description[:120], "path": path, "image_url": image}
