"""Red-packet assist (助力红包) entities: campaigns with their prize pool, packets and friends' assists.

Campaign `c`: `SHOP#s#REDPACKET#c / CAMPAIGN` holds the pool counters (`remaining`, `winners_left`)
and `seats_left` (packets that may still start: each started packet holds a seat until it opens or
expires); per-opener counters `SHOP#s#REDPACKET#c#USER#u / STARTER` and daily helper counters
`SHOP#s#REDPACKET#c#HELPER#u / DAY#<date>` (TTL). Packet `p`: `SHOP#s#RPACKET#p / PACKET` with its
assists `ASSIST#<helper>` in the same partition (one per friend per packet by key).
"""
from typing import Dict

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity

EXPIRY_DUE = "DUE#red_packet_expiry"  # DUE partition: open packets, so an expired one gives its seat back
OPEN, OPENED, EXPIRED = "open", "opened", "expired"


def campaign_pk(shop_id: str, campaign_id: str) -> str:
    """Partition of a red-packet campaign."""
    return keys.scoped(shop_id, "REDPACKET", campaign_id)


def packet_pk(shop_id: str, packet_id: str) -> str:
    """Partition of one packet and its assists."""
    return keys.scoped(shop_id, "RPACKET", packet_id)


class RedPacketCampaign(Entity, discriminator="red_packet_campaign"):
    """A merchant's red-packet campaign: rules, and the pool counters the packets draw down.

    Invariants kept by conditional writes: `remaining >= winners_left × min_prize` (every winner to
    come can be paid its minimum), `seats_left + open packets = winners_left`.
    """

    campaign_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    image = UnicodeAttribute(null=True)
    assists_needed = NumberAttribute()
    prize_kind = UnicodeAttribute()  # coupon (amounts in fen) | points
    budget = NumberAttribute()
    winners = NumberAttribute()
    min_prize = NumberAttribute()
    max_prize = NumberAttribute()
    remaining = NumberAttribute()
    winners_left = NumberAttribute()
    seats_left = NumberAttribute()
    coupon_min_spend_fen = NumberAttribute(default=0)
    coupon_valid_days = NumberAttribute(default=7)
    packet_seconds = NumberAttribute()
    daily_assist_limit = NumberAttribute(default=3)
    per_user_limit = NumberAttribute(default=1)
    starts_at = NumberAttribute()
    ends_at = NumberAttribute(null=True)
    created_at = NumberAttribute()
    packets_started = NumberAttribute(default=0)
    packets_opened = NumberAttribute(default=0)
    packets_expired = NumberAttribute(default=0)
    paid_out = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, campaign_id: str) -> tuple:
        """(PK, SK) of a campaign."""
        return campaign_pk(shop_id, campaign_id), "CAMPAIGN"

    @staticmethod
    def list_partition(shop_id: str) -> str:
        """GSI1 partition of the shop's campaigns."""
        return keys.scoped(shop_id, "REDPACKETS")


class RedPacketStarter(Entity, discriminator="red_packet_starter"):
    """How many packets one shopper started in one campaign (the per-user limit)."""

    packets = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, campaign_id: str, user_id: str) -> tuple:
        """(PK, SK) of a starter counter."""
        return keys.scoped(shop_id, "REDPACKET", campaign_id, "USER", user_id), "STARTER"


class RedPacketHelperDay(Entity, discriminator="red_packet_helper_day"):
    """How many packets of one campaign a friend assisted on one (China) calendar day; expires by TTL."""

    assists = NumberAttribute(default=0)
    expires_at_ttl = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, campaign_id: str, user_id: str, day: str) -> tuple:
        """(PK, SK) of a daily helper counter."""
        return keys.scoped(shop_id, "REDPACKET", campaign_id, "HELPER", user_id), f"DAY#{day}"


class RedPacket(Entity, discriminator="red_packet"):
    """A shopper's packet: open until `assists_needed` friends assisted (then opened, prize paid) or it expires.

    GSI1 = the owner's packets; GSI2 = the campaign's packets; DUE = its expiry while open.
    """

    packet_id = UnicodeAttribute()
    campaign_id = UnicodeAttribute()
    shop_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    name = UnicodeAttribute()
    assists_needed = NumberAttribute()
    assists = NumberAttribute(default=0)
    new_assists = NumberAttribute(default=0)
    daily_assist_limit = NumberAttribute()
    prize_kind = UnicodeAttribute()
    status = UnicodeAttribute(default=OPEN)  # open | opened | expired
    prize_amount = NumberAttribute(null=True)
    coupon_id = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    expires_at = NumberAttribute()
    opened_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, packet_id: str) -> tuple:
        """(PK, SK) of a packet."""
        return packet_pk(shop_id, packet_id), "PACKET"

    @staticmethod
    def owner_partition(shop_id: str, owner_id: str) -> str:
        """GSI1 partition of a shopper's packets."""
        return keys.scoped(shop_id, "USER", owner_id, "RPACKETS")

    @staticmethod
    def campaign_partition(shop_id: str, campaign_id: str) -> str:
        """GSI2 partition of a campaign's packets."""
        return keys.scoped(shop_id, "REDPACKET", campaign_id, "PACKETS")

    @classmethod
    def index_keys(cls, shop_id: str, campaign_id: str, owner_id: str, packet_id: str) -> Dict[str, str]:
        """GSI1: the owner's packets; GSI2: the campaign's packets (ULID order: newest last)."""
        return {"GSI1PK": cls.owner_partition(shop_id, owner_id), "GSI1SK": f"PACKET#{packet_id}",
                "GSI2PK": cls.campaign_partition(shop_id, campaign_id), "GSI2SK": f"PACKET#{packet_id}"}


class RedPacketAssist(Entity, discriminator="red_packet_assist"):
    """One friend's assist on one packet; its key makes it one per friend per packet."""

    helper_id = UnicodeAttribute()
    is_new = NumberAttribute(default=0)
    nickname = UnicodeAttribute(default="")
    avatar_url = UnicodeAttribute(default="")
    at = NumberAttribute()
    at_ms = NumberAttribute()  # orders the helpers as they came

    @classmethod
    def key(cls, shop_id: str, packet_id: str, helper_id: str) -> tuple:
        """(PK, SK) of an assist."""
        return packet_pk(shop_id, packet_id), f"ASSIST#{helper_id}"
