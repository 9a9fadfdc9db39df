"""A shopper's points: the account (balance), the ledger, check-in state and daily share counters.

Everything lives in the shopper's points partition `SHOP#s#USER#u#POINTS`:
- `ACCOUNT`: balance, earned and spent totals; the balance only moves together with a ledger entry;
- `ENTRY#<cause>`: one ledger entry per cause (order id, check-in date, share id, review id…), put only
  if absent, so no cause can move the balance twice. GSI1 (`GSI1PK` = the partition,
  `GSI1SK` = `<ms>#<cause>`) lists the ledger newest first;
- `CHECKIN`: the last check-in date and the streak; `SHARES#<date>`: shares credited that day.
"""
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


def points_pk(shop_id: str, user_id: str) -> str:
    """Partition of a shopper's points."""
    return keys.scoped(shop_id, "USER", user_id, "POINTS")


class PointsAccount(Entity, discriminator="points_account"):
    """The balance (never below 0) and lifetime totals."""

    balance = NumberAttribute(default=0)
    earned_total = NumberAttribute(default=0)
    spent_total = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, user_id: str) -> tuple:
        """(PK, SK) of the account."""
        return points_pk(shop_id, user_id), "ACCOUNT"


class PointsEntry(Entity, discriminator="points_entry"):
    """One credit (points > 0) or debit (points < 0), unique by its cause."""

    cause = UnicodeAttribute()
    # order | order_reversal | checkout | checkout_return | check_in | share | review | profile | exchange
    kind = UnicodeAttribute()
    points = NumberAttribute()
    created_at = NumberAttribute()
    data = JSONAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, user_id: str, cause: str) -> tuple:
        """(PK, SK) of the entry for `cause`."""
        return points_pk(shop_id, user_id), f"ENTRY#{cause}"


class CheckInState(Entity, discriminator="check_in_state"):
    """The last check-in date (shop time) and the streak it made."""

    last_date = UnicodeAttribute()
    streak = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, user_id: str) -> tuple:
        """(PK, SK) of the check-in state."""
        return points_pk(shop_id, user_id), "CHECKIN"


class ShareDay(Entity, discriminator="share_day"):
    """How many shares earned points on one day (capped by the shop)."""

    credited = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, user_id: str, day: str) -> tuple:
        """(PK, SK) of the day's counter."""
        return points_pk(shop_id, user_id), f"SHARES#{day}"
