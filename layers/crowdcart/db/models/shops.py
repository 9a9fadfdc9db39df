"""Shops, their staff API keys, shoppers and the openid → shopper link."""
from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


class Shop(Entity, discriminator="shop"):
    """A merchant's shop: the tenant. Settings are a JSON map validated by the shops service."""

    shop_id = UnicodeAttribute()
    name = UnicodeAttribute()
    created_at = NumberAttribute()
    settings = JSONAttribute(default=dict)
    wechat = JSONAttribute(default=dict)

    @classmethod
    def key(cls, shop_id: str) -> tuple:
        """(PK, SK) of a shop."""
        return keys.shop_pk(shop_id), "SHOP"

    @classmethod
    def new(cls, shop_id: str, name: str, created_at: int) -> "Shop":
        """A new shop record, listed on GSI1 for the platform operator."""
        pk, sk = cls.key(shop_id)
        return cls(pk, sk, shop_id=shop_id, name=name, created_at=created_at,
                   GSI1PK="PLATFORM#SHOPS", GSI1SK=f"SHOP#{shop_id}")


class StaffKey(Entity, discriminator="staff_key"):
    """A merchant API key, stored only as its SHA-256, with a role."""

    shop_id = UnicodeAttribute()
    key_id = UnicodeAttribute()
    role = UnicodeAttribute()
    label = UnicodeAttribute(default="")
    created_at = NumberAttribute()
    revoked = BooleanAttribute(default=False)

    @classmethod
    def key(cls, shop_id: str, key_hash: str) -> tuple:
        """(PK, SK) of a staff key by its hash."""
        return keys.shop_pk(shop_id), f"KEY#{key_hash}"


class Shopper(Entity, discriminator="shopper"):
    """A shopper of one shop (a WeChat user as seen by that shop's mini-program)."""

    shop_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    openid = UnicodeAttribute()
    created_at = NumberAttribute()
    nickname = UnicodeAttribute(default="")
    avatar_url = UnicodeAttribute(default="")
    birthday = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)
    paid_orders = NumberAttribute(default=0)
    member_level = NumberAttribute(default=0)
    member_discount_percent = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, user_id: str) -> tuple:
        """(PK, SK) of a shopper's profile."""
        return keys.scoped(shop_id, "USER", user_id), "PROFILE"


class OpenidLink(Entity, discriminator="openid_link"):
    """Maps (shop, openid) to our user id; created once, conditionally."""

    user_id = UnicodeAttribute()

    @classmethod
    def key(cls, shop_id: str, openid: str) -> tuple:
        """(PK, SK) of the link."""
        return keys.scoped(shop_id, "OPENID", openid), "OPENID"


class UsedLoginCode(Entity, discriminator="used_login_code"):
    """A login code already exchanged (local code2Session stand-in: each code works once)."""

    expires_at_ttl = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, code_hash: str) -> tuple:
        """(PK, SK) of a used code."""
        return keys.scoped(shop_id, "WXCODE", code_hash), "CODE"
