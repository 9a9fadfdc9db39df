"""Notifications a shopper receives (subscribe messages), one per cause."""
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


def notes_pk(shop_id: str, user_id: str) -> str:
    """Partition of a shopper's notifications."""
    return keys.scoped(shop_id, "USER", user_id, "NOTES")


class Notification(Entity, discriminator="notification"):
    """A message about something the shopper cares about; SK `NOTE#<ms>#<cause>` sorts by time."""

    template = UnicodeAttribute()
    title = UnicodeAttribute()
    data = JSONAttribute(default=dict)
    cause = UnicodeAttribute()
    created_at = NumberAttribute()
    delivery = UnicodeAttribute(default="pending")  # pending | stored | sent | not_subscribed | no_template | failed
