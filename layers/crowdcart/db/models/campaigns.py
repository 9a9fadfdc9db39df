"""Campaign entities: flash sales (秒杀) with sharded stock, bargains (砍价) and their sessions.

Flash sale `f`: the definition `SHOP#s#FLASH#f / FLASH`; its stock in N counters, each its own
partition `SHOP#s#FLASH#f#SHARD#i / SHARD`; one buyer counter per shopper
`SHOP#s#FLASH#f#USER#u / BUYER`.
Bargain `b`: `SHOP#s#BARGAIN#b / BARGAIN` with stats counters `STATS#k` beside it; per-shopper
starter counters `SHOP#s#BARGAIN#b#USER#u / STARTER` and daily helper counters
`SHOP#s#BARGAIN#b#HELPER#u / DAY#<date>`. Session `x`: `SHOP#s#BSESSION#x / SESSION` with its
helps `HELP#<user>` in the same partition.
"""
from typing import Dict

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity

STATS_SHARDS = 8  # bargain stats counters, so helps on different sessions seldom touch one item
FLASH_SETTLE_DUE = "DUE#flash_settle"  # DUE partition: flash sales to settle after their end
SETTLE_GRACE_SECONDS = 60  # settle this long after the end, so a cancel decided before it has landed


def flash_pk(shop_id: str, sale_id: str) -> str:
    """Partition of a flash sale's definition."""
    return keys.scoped(shop_id, "FLASH", sale_id)


class FlashSale(Entity, discriminator="flash_sale"):
    """One SKU sold at `price_fen` between `starts_at` and `ends_at`, its stock carved out of the SKU.

    Immutable once created (price, window, limits, shard count) except `ends_at` (ended early)
    and the settlement fields. GSI1 lists the shop's sales by end time; DUE settles it after the end.
    """

    sale_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    title = UnicodeAttribute()
    spec = UnicodeAttribute(default="")
    image = UnicodeAttribute(null=True)
    list_price_fen = NumberAttribute()
    price_fen = NumberAttribute()
    stock = NumberAttribute()
    per_user_limit = NumberAttribute()
    starts_at = NumberAttribute()
    ends_at = NumberAttribute()
    shards = NumberAttribute(default=1)
    rate_window_seconds = NumberAttribute()
    rate_per_user = NumberAttribute()
    rate_per_ip = NumberAttribute()
    created_at = NumberAttribute()
    ended_early_at = NumberAttribute(null=True)
    settled_at = NumberAttribute(null=True)
    returned = NumberAttribute(null=True)  # units given back to the SKU at settlement

    @classmethod
    def key(cls, shop_id: str, sale_id: str) -> tuple:
        """(PK, SK) of a flash sale."""
        return flash_pk(shop_id, sale_id), "FLASH"

    @staticmethod
    def list_partition(shop_id: str) -> str:
        """GSI1 partition of the shop's flash sales."""
        return keys.scoped(shop_id, "FLASHSALES")

    @staticmethod
    def list_sort(ends_at: int, sale_id: str) -> str:
        """GSI1 sort key: by end time, so "not ended yet" is one range."""
        return f"END#{ends_at:010d}#{sale_id}"


class FlashShard(Entity, discriminator="flash_shard"):
    """One of a flash sale's stock counters; carries the window so the write itself enforces it."""

    sale_id = UnicodeAttribute()
    index = NumberAttribute()
    stock = NumberAttribute()
    sold = NumberAttribute(default=0)
    starts_at = NumberAttribute()
    ends_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, sale_id: str, index: int) -> tuple:
        """(PK, SK): every shard is its own partition."""
        return keys.scoped(shop_id, "FLASH", sale_id, "SHARD", str(index)), "SHARD"


class FlashBuyer(Entity, discriminator="flash_buyer"):
    """How many units one shopper holds of one flash sale (the per-user limit)."""

    bought = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, sale_id: str, user_id: str) -> tuple:
        """(PK, SK) of a buyer counter."""
        return keys.scoped(shop_id, "FLASH", sale_id, "USER", user_id), "BUYER"


def bargain_pk(shop_id: str, bargain_id: str) -> str:
    """Partition of a bargain activity and its stats counters."""
    return keys.scoped(shop_id, "BARGAIN", bargain_id)


class Bargain(Entity, discriminator="bargain"):
    """A merchant's bargain activity on one SKU; `stock` is a quota the purchases draw down."""

    bargain_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    title = UnicodeAttribute()
    spec = UnicodeAttribute(default="")
    image = UnicodeAttribute(null=True)
    start_price_fen = NumberAttribute()
    floor_price_fen = NumberAttribute()
    helpers_needed = NumberAttribute()
    duration_seconds = NumberAttribute()
    stock = NumberAttribute()
    sold = NumberAttribute(default=0)
    per_user_limit = NumberAttribute(default=1)
    daily_help_limit = NumberAttribute(default=3)
    buy_mode = UnicodeAttribute(default="any_time")  # any_time | floor_only
    starts_at = NumberAttribute()
    ends_at = NumberAttribute(null=True)
    created_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, bargain_id: str) -> tuple:
        """(PK, SK) of a bargain activity."""
        return bargain_pk(shop_id, bargain_id), "BARGAIN"

    @staticmethod
    def list_partition(shop_id: str) -> str:
        """GSI1 partition of the shop's bargain activities."""
        return keys.scoped(shop_id, "BARGAINS")


class BargainStats(Entity, discriminator="bargain_stats"):
    """One of a bargain's STATS_SHARDS counters (sessions started, helps, helps by new users)."""

    sessions = NumberAttribute(default=0)
    helps = NumberAttribute(default=0)
    new_helpers = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, bargain_id: str, index: int) -> tuple:
        """(PK, SK) of one stats counter."""
        return bargain_pk(shop_id, bargain_id), f"STATS#{index}"


class BargainStarter(Entity, discriminator="bargain_starter"):
    """How many sessions one shopper started on one bargain (the per-user limit)."""

    sessions = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, bargain_id: str, user_id: str) -> tuple:
        """(PK, SK) of a starter counter."""
        return keys.scoped(shop_id, "BARGAIN", bargain_id, "USER", user_id), "STARTER"


class BargainHelperDay(Entity, discriminator="bargain_helper_day"):
    """How many sessions of one bargain a helper helped on one (China) calendar day; expires by TTL."""

    helps = NumberAttribute(default=0)
    expires_at_ttl = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, bargain_id: str, user_id: str, day: str) -> tuple:
        """(PK, SK) of a daily helper counter."""
        return keys.scoped(shop_id, "BARGAIN", bargain_id, "HELPER", user_id), f"DAY#{day}"


def session_pk(shop_id: str, session_id: str) -> str:
    """Partition of one bargain session and its helps."""
    return keys.scoped(shop_id, "BSESSION", session_id)


class BargainSession(Entity, discriminator="bargain_session"):
    """A shopper's bargain: the planned cuts, how many friends helped, open → used (once).

    GSI1 = the owner's sessions; GSI2 = the activity's sessions.
    """

    session_id = UnicodeAttribute()
    bargain_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    sku_id = UnicodeAttribute()
    title = UnicodeAttribute()
    start_price_fen = NumberAttribute()
    floor_price_fen = NumberAttribute()
    current_price_fen = NumberAttribute()
    helpers_needed = NumberAttribute()
    helps = NumberAttribute(default=0)
    new_helpers = NumberAttribute(default=0)
    cuts = ListAttribute(of=NumberAttribute)
    buy_mode = UnicodeAttribute()
    daily_help_limit = NumberAttribute()
    status = UnicodeAttribute(default="open")  # open | used
    order_id = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    expires_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, session_id: str) -> tuple:
        """(PK, SK) of a session."""
        return session_pk(shop_id, session_id), "SESSION"

    @staticmethod
    def owner_partition(shop_id: str, owner_id: str) -> str:
        """GSI1 partition of a shopper's sessions."""
        return keys.scoped(shop_id, "USER", owner_id, "BSESSIONS")

    @staticmethod
    def bargain_partition(shop_id: str, bargain_id: str) -> str:
        """GSI2 partition of an activity's sessions."""
        return keys.scoped(shop_id, "BARGAIN", bargain_id, "SESSIONS")

    @classmethod
    def index_keys(cls, shop_id: str, bargain_id: str, owner_id: str, session_id: str) -> Dict[str, str]:
        """GSI1: the owner's sessions; GSI2: the activity's sessions (both newest last)."""
        return {"GSI1PK": cls.owner_partition(shop_id, owner_id), "GSI1SK": f"SESSION#{session_id}",
                "GSI2PK": cls.bargain_partition(shop_id, bargain_id), "GSI2SK": f"SESSION#{session_id}"}


class BargainHelp(Entity, discriminator="bargain_help"):
    """One friend's cut on one session; its key makes it one per friend per session."""

    helper_id = UnicodeAttribute()
    seq = NumberAttribute()
    cut_fen = NumberAttribute()
    price_after_fen = NumberAttribute()
    is_new = NumberAttribute(default=0)
    nickname = UnicodeAttribute(default="")
    avatar_url = UnicodeAttribute(default="")
    at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, session_id: str, helper_id: str) -> tuple:
        """(PK, SK) of a help."""
        return session_pk(shop_id, session_id), f"HELP#{helper_id}"
