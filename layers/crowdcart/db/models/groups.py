"""Group-buy (拼团) entities: the merchant's activity, its groups, their members, per-shopper seat counters.

Activity `a`: `SHOP#s#GROUPBUY#a / GROUPBUY` (GSI1 = the shop's activities).
Seat counter of one shopper in one activity: `SHOP#s#GROUPBUY#a#USER#u / SEATS` (per-user limit).
Group `g`: `SHOP#s#GROUP#g / GROUP` with its members beside it, `MEMBER#<user_id>` (one per
shopper: put-if-absent). A group is on GSI1 only while open (the activity page's joinable list,
soonest deadline first), on GSI2 always (the activity's groups), and on DUE while its timer is
owed (`DUE#group_timer`: until settled, lottery groups until their draw is done).
A member is on GSI2 (the shopper's groups) and, while a refund task failed, on GSI1 (the
merchant's list of refunds to look at).
"""
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity

OPEN, FORMED, FAILED = "open", "formed", "failed"
PENDING, PAID = "pending", "paid"
LEADER, MEMBER = "leader", "member"
NORMAL, LOTTERY, NEW_USER = "normal", "lottery", "new_user"
TIMER_DUE = "DUE#group_timer"


def group_pk(shop_id: str, group_id: str) -> str:
    """Partition of one group and its members."""
    return keys.scoped(shop_id, "GROUP", group_id)


class GroupBuy(Entity, discriminator="group_buy"):
    """A merchant's group-buy activity on one SKU. Immutable once created.

    `seed` is the lottery's secret (revealed once the activity ended); `seed_hash` its commitment,
    shown from the start.
    """

    activity_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    title = UnicodeAttribute()
    spec = UnicodeAttribute(default="")
    image = UnicodeAttribute(null=True)
    list_price_fen = NumberAttribute()
    group_price_fen = NumberAttribute()
    group_size = NumberAttribute()
    duration_seconds = NumberAttribute()
    starts_at = NumberAttribute()
    ends_at = NumberAttribute(null=True)
    kind = UnicodeAttribute()
    winners = NumberAttribute(default=0)
    per_user_limit = NumberAttribute(default=1)
    seed = UnicodeAttribute(null=True)
    seed_hash = UnicodeAttribute(null=True)
    created_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, activity_id: str) -> tuple:
        """(PK, SK) of an activity."""
        return keys.scoped(shop_id, "GROUPBUY", activity_id), "GROUPBUY"

    @staticmethod
    def list_keys(shop_id: str, activity_id: str) -> dict:
        """GSI1: the shop's activities, newest first."""
        return {"GSI1PK": keys.scoped(shop_id, "GROUPBUYS"), "GSI1SK": f"GROUPBUY#{activity_id}"}


class GroupBuySeats(Entity, discriminator="group_buy_seats"):
    """How many seats one shopper holds in one activity (open or formed groups; released ones excluded)."""

    seats = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, activity_id: str, user_id: str) -> tuple:
        """(PK, SK) of a seat counter."""
        return keys.scoped(shop_id, "GROUPBUY", activity_id, "USER", user_id), "SEATS"


class Group(Entity, discriminator="group"):
    """One group: `seats_taken` counts reserved seats (paid or not), `paid_count` confirmed ones.

    Status moves open → formed (the payment that fills the last seat) or open → failed (the timer),
    each on condition `status = open`, so exactly one of them wins.
    """

    group_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    activity_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    title = UnicodeAttribute(default="")
    image = UnicodeAttribute(null=True)
    group_price_fen = NumberAttribute()
    size = NumberAttribute()
    seats_taken = NumberAttribute(default=0)
    paid_count = NumberAttribute(default=0)
    status = UnicodeAttribute()
    leader_id = UnicodeAttribute()
    leader_nickname = UnicodeAttribute(default="")
    leader_avatar_url = UnicodeAttribute(default="")
    opened_at = NumberAttribute()
    expires_at = NumberAttribute()
    draw_at = NumberAttribute(null=True)  # lottery: the activity's end
    winners = NumberAttribute(default=0)
    formed_at = NumberAttribute(null=True)
    failed_at = NumberAttribute(null=True)
    settled_at = NumberAttribute(null=True)
    draw = JSONAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, group_id: str) -> tuple:
        """(PK, SK) of a group."""
        return group_pk(shop_id, group_id), "GROUP"

    @staticmethod
    def open_partition(shop_id: str, activity_id: str) -> str:
        """GSI1 partition of an activity's open groups."""
        return keys.scoped(shop_id, "GROUPBUY", activity_id, "OPEN")

    @staticmethod
    def open_sort(expires_at: int, group_id: str) -> str:
        """GSI1 sort key: by deadline, so "not expired yet" is one range."""
        return f"EXP#{expires_at:010d}#{group_id}"

    @staticmethod
    def activity_partition(shop_id: str, activity_id: str) -> str:
        """GSI2 partition of all of an activity's groups."""
        return keys.scoped(shop_id, "GROUPBUY", activity_id, "GROUPS")

    @staticmethod
    def activity_sort(opened_at: int, group_id: str) -> str:
        """GSI2 sort key: opening time, then the group id (group ids derive from the leader's order)."""
        return f"GROUP#{int(opened_at):010d}#{group_id}"


class GroupMember(Entity, discriminator="group_member"):
    """A shopper's seat in a group, with the order that pays for it.

    `status` pending → paid in the payment's transaction; an unpaid seat is deleted when its order is
    cancelled. `refund_*` record what the group's settlement did about this member's money.
    """

    group_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    activity_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    role = UnicodeAttribute()
    status = UnicodeAttribute()
    nickname = UnicodeAttribute(default="")
    avatar_url = UnicodeAttribute(default="")
    joined_at = NumberAttribute()
    paid_at = NumberAttribute(null=True)
    refund_cause = UnicodeAttribute(null=True)
    refund_no = UnicodeAttribute(null=True)
    refund_status = UnicodeAttribute(null=True)  # requested | succeeded | … | failed | nothing_left
    refund_error = UnicodeAttribute(null=True)
    seat_released_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, group_id: str, user_id: str) -> tuple:
        """(PK, SK) of a member."""
        return group_pk(shop_id, group_id), f"MEMBER#{user_id}"

    @staticmethod
    def user_partition(shop_id: str, user_id: str) -> str:
        """GSI2 partition of the shopper's seats."""
        return keys.scoped(shop_id, "USER", user_id, "GROUPS")

    @staticmethod
    def user_sort(joined_at: int, group_id: str) -> str:
        """GSI2 sort key of the shopper's seats: the time of joining, then the group id."""
        return f"GROUP#{int(joined_at):010d}#{group_id}"

    @classmethod
    def user_keys(cls, shop_id: str, user_id: str, group_id: str, joined_at: int) -> dict:
        """GSI2: the shopper's groups, newest seat first (by time; the group id breaks ties)."""
        return {"GSI2PK": cls.user_partition(shop_id, user_id), "GSI2SK": cls.user_sort(joined_at, group_id)}

    @staticmethod
    def issues_partition(shop_id: str) -> str:
        """GSI1 partition of the refunds a settlement could not make."""
        return keys.scoped(shop_id, "GROUPREFUNDISSUES")

    @classmethod
    def issue_keys(cls, shop_id: str, group_id: str, user_id: str, failed_at: int) -> dict:
        """GSI1: refunds the settlement could not make (sparse), for the merchant, newest first."""
        return {"GSI1PK": cls.issues_partition(shop_id), "GSI1SK": f"ISSUE#{int(failed_at):010d}#{group_id}#{user_id}"}
