"""Campaign participation and its counters (participants, shares, new users, orders, GMV, refunds)."""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


def campaign_pk(shop_id: str, kind: str, campaign_id: str) -> str:
    """Partition of one campaign's analytics."""
    return keys.scoped(shop_id, "CAMPAIGN", kind, campaign_id)


class CampaignStats(Entity, discriminator="campaign_stats"):
    """Counters of one campaign; only ever moved by ADD together with a put-if-absent marker."""

    kind = UnicodeAttribute()
    campaign_id = UnicodeAttribute()
    participants = NumberAttribute(default=0)
    new_users = NumberAttribute(default=0)
    shares = NumberAttribute(default=0)
    orders = NumberAttribute(default=0)
    gmv_fen = NumberAttribute(default=0)
    refunded_fen = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, kind: str, campaign_id: str) -> tuple:
        """(PK, SK) of the counters."""
        return campaign_pk(shop_id, kind, campaign_id), "STATS"


class Participation(Entity, discriminator="participation"):
    """A shopper took part in a campaign (once); GSI1 lists a shopper's campaigns, newest first,
    so a later paid order can be attributed to the campaigns that brought it."""

    kind = UnicodeAttribute()
    campaign_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    is_new_user = NumberAttribute(default=0)
    at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, kind: str, campaign_id: str, user_id: str) -> tuple:
        """(PK, SK) of one shopper's participation."""
        return campaign_pk(shop_id, kind, campaign_id), f"P#{user_id}"

    @staticmethod
    def by_user(shop_id: str, user_id: str) -> str:
        """GSI1 partition of a shopper's participations."""
        return keys.scoped(shop_id, "USER", user_id, "CAMPAIGNS")


class Attribution(Entity, discriminator="attribution"):
    """Marks that one order was counted for one campaign (so a redelivered event counts once), and how
    much of it the campaign's `refunded_fen` already shows (moved only from the value it had)."""

    order_id = UnicodeAttribute()
    amount_fen = NumberAttribute(null=True)
    refunded_fen = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, kind: str, campaign_id: str, order_id: str) -> tuple:
        """(PK, SK) of the marker."""
        return campaign_pk(shop_id, kind, campaign_id), f"O#{order_id}"
