"""Lotteries (抽奖) and card collecting (集卡): campaigns, per-shopper ledgers, draws, gifts.

Lottery `l`: `SHOP#s#LOTTERY#l / LOTTERY` (prizes, entry rules), one stock counter per prize
`PRIZE#<p>` beside it, and `RELEASE#<draw>` markers of reserved units given back. GSI1 `SHOP#s#LOTTERIES` / `END#<ends_at>#<l>` lists the shop's lotteries
("not ended" is one range). A shopper's part: partition `SHOP#s#LOTTERY#l#USER#u` holding `ENTRIES`
(the entry counter), `EARN#<cause>` markers, `SHAREDAY#<date>` counters and `DRAW#<d>` draws
(GSI1 `…#USER#u#DRAWS` newest first; GSI2 `SHOP#s#LOTTERY#l#WINS`, sparse, lists the winners).

Card set `c`: `SHOP#s#CARDS#c / CARDSET` (kinds, prize, draw rules), its prize counter `PRIZE`.
GSI1 `SHOP#s#CARDSETS` / `END#<ends_at>#<c>`. A shopper's part: `SHOP#s#CARDS#c#USER#u` holding
`ALBUM` (a count per kind in one map, draws left), `EARN#<cause>`, `SHAREDAY#<date>`,
`ASSIST#<friend>` markers, `DRAW#<d>` and `REDEMPTION` (GSI2 `SHOP#s#CARDS#c#REDEMPTIONS`).
A gift of one card `g`: its own partition `SHOP#s#CARDGIFT#g / GIFT`.
"""
from pynamodb.attributes import JSONAttribute, MapAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


def lottery_pk(shop_id: str, lottery_id: str) -> str:
    """Partition of a lottery and its prize counters."""
    return keys.scoped(shop_id, "LOTTERY", lottery_id)


def lottery_user_pk(shop_id: str, lottery_id: str, user_id: str) -> str:
    """Partition of one shopper's entries, earn markers and draws in a lottery."""
    return keys.scoped(shop_id, "LOTTERY", lottery_id, "USER", user_id)


def cards_pk(shop_id: str, set_id: str) -> str:
    """Partition of a card set and its prize counter."""
    return keys.scoped(shop_id, "CARDS", set_id)


def album_pk(shop_id: str, set_id: str, user_id: str) -> str:
    """Partition of one shopper's album, earn markers, assists and draws in a card set."""
    return keys.scoped(shop_id, "CARDS", set_id, "USER", user_id)


def end_sort_key(ends_at: int, campaign_id: str) -> str:
    """GSI1 sort key of a campaign: by end time."""
    return f"END#{ends_at:010d}#{campaign_id}"


class Lottery(Entity, discriminator="lottery"):
    """A lottery campaign: prizes (JSON, with ids p1…), the window and how entries are earned."""

    lottery_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    prizes = JSONAttribute()
    starts_at = NumberAttribute()
    ends_at = NumberAttribute()
    ended_early_at = NumberAttribute(null=True)
    initial_entries = NumberAttribute(default=0)
    check_in_entries = NumberAttribute(default=0)
    order_entries = NumberAttribute(default=0)
    order_min_fen = NumberAttribute(default=0)
    share_entries = NumberAttribute(default=0)
    share_daily_cap = NumberAttribute(default=0)
    share_title = UnicodeAttribute(default="")
    share_image_url = UnicodeAttribute(null=True)
    created_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, lottery_id: str) -> tuple:
        """(PK, SK) of a lottery."""
        return lottery_pk(shop_id, lottery_id), "LOTTERY"

    @staticmethod
    def list_partition(shop_id: str) -> str:
        """GSI1 partition of the shop's lotteries."""
        return keys.scoped(shop_id, "LOTTERIES")


class LotteryPrizeStock(Entity, discriminator="lottery_prize_stock"):
    """How many of one prize are left, and how many were won."""

    prize_id = UnicodeAttribute()
    remaining = NumberAttribute()
    won = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, lottery_id: str, prize_id: str) -> tuple:
        """(PK, SK) of a prize's stock counter."""
        return lottery_pk(shop_id, lottery_id), f"PRIZE#{prize_id}"


class LotteryRelease(Entity, discriminator="lottery_release"):
    """A reserved prize unit given back because its draw was not recorded (once per draw)."""

    prize_id = UnicodeAttribute()
    at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, lottery_id: str, draw_id: str) -> tuple:
        """(PK, SK) of the release marker."""
        return lottery_pk(shop_id, lottery_id), f"RELEASE#{draw_id}"


class LotteryEntries(Entity, discriminator="lottery_entries"):
    """A shopper's entry counter in one lottery (a draw takes one only while one is left)."""

    entries = NumberAttribute(default=0)
    earned = NumberAttribute(default=0)
    used = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, lottery_id: str, user_id: str) -> tuple:
        """(PK, SK) of the counter."""
        return lottery_user_pk(shop_id, lottery_id, user_id), "ENTRIES"


class PlayEarning(Entity, discriminator="play_earning"):
    """Entries or draws earned once for one cause (join, check_in:<date>, order:<id>, share:<id>)."""

    cause = UnicodeAttribute()
    amount = NumberAttribute()
    at = NumberAttribute()

    @classmethod
    def key(cls, partition: str, cause: str) -> tuple:
        """(PK, SK) of the marker inside a shopper's campaign partition."""
        return partition, f"EARN#{cause}"


class PlayShareDay(Entity, discriminator="play_share_day"):
    """How many shares earned something on one day in one campaign (the daily cap)."""

    shares = NumberAttribute(default=0)

    @classmethod
    def key(cls, partition: str, day: str) -> tuple:
        """(PK, SK) of the day's counter inside a shopper's campaign partition."""
        return partition, f"SHAREDAY#{day}"


class LotteryDraw(Entity, discriminator="lottery_draw"):
    """One draw: the prize handed out (None: thanks), whether a picked prize was out of stock, and
    what was granted (coupon id, points) once the prize was issued."""

    draw_id = UnicodeAttribute()
    lottery_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    prize_id = UnicodeAttribute(null=True)
    prize_kind = UnicodeAttribute()
    prize_name = UnicodeAttribute(default="")
    picked_id = UnicodeAttribute(null=True)
    at = NumberAttribute()
    granted = JSONAttribute(null=True)
    granted_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, lottery_id: str, user_id: str, draw_id: str) -> tuple:
        """(PK, SK) of a draw."""
        return lottery_user_pk(shop_id, lottery_id, user_id), f"DRAW#{draw_id}"

    @staticmethod
    def wins_partition(shop_id: str, lottery_id: str) -> str:
        """GSI2 partition of a lottery's winning draws."""
        return keys.scoped(shop_id, "LOTTERY", lottery_id, "WINS")


class CardSet(Entity, discriminator="card_set"):
    """A card-collecting campaign: kinds (JSON, ids k1…kK, rarity weights), the prize for a full set,
    the window and how draws are earned."""

    set_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    kinds = JSONAttribute()
    prize = JSONAttribute()
    prize_stock = NumberAttribute(null=True)
    starts_at = NumberAttribute()
    ends_at = NumberAttribute()
    ended_early_at = NumberAttribute(null=True)
    initial_draws = NumberAttribute(default=0)
    assist_draws = NumberAttribute(default=0)
    assists_cap = NumberAttribute(default=0)
    order_draws = NumberAttribute(default=0)
    order_min_fen = NumberAttribute(default=0)
    share_draws = NumberAttribute(default=0)
    share_daily_cap = NumberAttribute(default=0)
    gift_hours = NumberAttribute(default=24)
    share_title = UnicodeAttribute(default="")
    share_image_url = UnicodeAttribute(null=True)
    created_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, set_id: str) -> tuple:
        """(PK, SK) of a card set."""
        return cards_pk(shop_id, set_id), "CARDSET"

    @staticmethod
    def list_partition(shop_id: str) -> str:
        """GSI1 partition of the shop's card sets."""
        return keys.scoped(shop_id, "CARDSETS")


class CardPrizeStock(Entity, discriminator="card_prize_stock"):
    """How many full-set prizes are left (only for sets with a prize stock), and how many redeemed."""

    remaining = NumberAttribute()
    redeemed = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, set_id: str) -> tuple:
        """(PK, SK) of the set's prize counter."""
        return cards_pk(shop_id, set_id), "PRIZE"


class CardAlbum(Entity, discriminator="card_album"):
    """A shopper's cards in one set (`cards`: kind id → count), draws left, and the redemption mark."""

    set_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    cards = MapAttribute(default=dict)
    draws = NumberAttribute(default=0)
    draws_earned = NumberAttribute(default=0)
    draws_used = NumberAttribute(default=0)
    assists = NumberAttribute(default=0)
    created_at = NumberAttribute()
    redeemed_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, set_id: str, user_id: str) -> tuple:
        """(PK, SK) of an album."""
        return album_pk(shop_id, set_id, user_id), "ALBUM"


class CardAssist(Entity, discriminator="card_assist"):
    """A friend helped this album once (earning its owner draws)."""

    helper_id = UnicodeAttribute()
    is_new = NumberAttribute(default=0)
    at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, set_id: str, owner_id: str, helper_id: str) -> tuple:
        """(PK, SK) of an assist."""
        return album_pk(shop_id, set_id, owner_id), f"ASSIST#{helper_id}"


class CardDraw(Entity, discriminator="card_draw"):
    """One draw of a card."""

    draw_id = UnicodeAttribute()
    kind_id = UnicodeAttribute()
    at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, set_id: str, user_id: str, draw_id: str) -> tuple:
        """(PK, SK) of a card draw."""
        return album_pk(shop_id, set_id, user_id), f"DRAW#{draw_id}"


class CardRedemption(Entity, discriminator="card_redemption"):
    """The one redemption of a full set by a shopper, and what was granted for it."""

    set_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    prize = JSONAttribute()
    at = NumberAttribute()
    granted = JSONAttribute(null=True)
    granted_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, set_id: str, user_id: str) -> tuple:
        """(PK, SK) of a redemption."""
        return album_pk(shop_id, set_id, user_id), "REDEMPTION"

    @staticmethod
    def list_partition(shop_id: str, set_id: str) -> str:
        """GSI2 partition of a set's redemptions."""
        return keys.scoped(shop_id, "CARDS", set_id, "REDEMPTIONS")


class CardGift(Entity, discriminator="card_gift"):
    """One card given by `giver_id`: open → claimed (by one friend, once) | cancelled (back to the giver)."""

    gift_id = UnicodeAttribute()
    set_id = UnicodeAttribute()
    kind_id = UnicodeAttribute()
    giver_id = UnicodeAttribute()
    receiver_id = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    created_at = NumberAttribute()
    expires_at = NumberAttribute()
    decided_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, gift_id: str) -> tuple:
        """(PK, SK) of a gift."""
        return keys.scoped(shop_id, "CARDGIFT", gift_id), "GIFT"
