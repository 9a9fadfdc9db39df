"""Membership: cumulative spend and level, the markers that make each spend change count once, birthdays.

All in the shopper's member partition `SHOP#s#USER#u#MEMBER`:
- `MEMBERSHIP`: spend (paid minus refunded, counted at receipt) and the level it reaches, with a
  version for optimistic updates; the level and its discount are also written onto the shopper's
  profile, which pricing reads;
- `SPEND#<cause>`: one marker per change of spend (`order:<id>` at receipt, `order:<id>:refund:<fen>`);
- `BIRTHDAY`: the birthday and the next occurrence, on the DUE index (`DUE#birthday_coupon`) at the
  moment its coupon window opens.
"""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity

BIRTHDAY_DUE = "DUE#birthday_coupon"


def member_pk(shop_id: str, user_id: str) -> str:
    """Partition of a shopper's membership."""
    return keys.scoped(shop_id, "USER", user_id, "MEMBER")


class Membership(Entity, discriminator="membership"):
    """Cumulative spend and the level it reached."""

    shop_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    spent_fen = NumberAttribute(default=0)
    level = NumberAttribute(default=0)
    version = NumberAttribute(default=0)
    updated_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, user_id: str) -> tuple:
        """(PK, SK) of the membership."""
        return member_pk(shop_id, user_id), "MEMBERSHIP"


class SpendMarker(Entity, discriminator="spend_marker"):
    """One applied change of spend; `refunded_fen` is what the order had refunded when it counted."""

    delta_fen = NumberAttribute()
    refunded_fen = NumberAttribute(default=0)
    at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, user_id: str, cause: str) -> tuple:
        """(PK, SK) of the marker for `cause`."""
        return member_pk(shop_id, user_id), f"SPEND#{cause}"


class BirthdayEntry(Entity, discriminator="birthday_entry"):
    """A shopper's birthday, due on the DUE index when the next coupon window opens."""

    shop_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    birthday = UnicodeAttribute()
    next_occurrence = UnicodeAttribute()

    @classmethod
    def key(cls, shop_id: str, user_id: str) -> tuple:
        """(PK, SK) of the entry."""
        return member_pk(shop_id, user_id), "BIRTHDAY"

    @staticmethod
    def due_sort_key(opens_at: int, shop_id: str, user_id: str) -> str:
        """DUESK: when the window opens, then the shopper."""
        return f"{opens_at:010d}#{shop_id}#{user_id}"
