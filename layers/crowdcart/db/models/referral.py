"""Referral commissions (分销): the shop's programme, promoters, bindings, commissions, withdrawals.

- Programme: `SHOP#s#REFERRAL / PROGRAM` (rates, approval, binding expiry, withdrawal minimum).
- Promoter `p`: `SHOP#s#PROMOTER#p / PROMOTER` with the balances (frozen, available, withdrawing,
  withdrawn; earned and reversed totals). GSI1 `SHOP#s#PROMOTERS#<status>` lists them by status.
  Their commissions `COMM#<order>#<level>` live in the same partition; GSI1
  `SHOP#s#PROMOTER#p#COMMS` lists them newest first.
- Withdrawal `w`: `SHOP#s#WITHDRAWAL#w / WITHDRAWAL`; GSI1 `SHOP#s#PROMOTER#p#WITHDRAWALS` (the
  promoter's), GSI2 `SHOP#s#WITHDRAWALS#<status>` (the merchant's queue).
- Binding of shopper `u`: `SHOP#s#USER#u#REFERRAL / BINDING` (put only if absent or lapsed: the
  first binding wins); GSI1 `SHOP#s#PROMOTER#p#INVITEES` lists a promoter's invitees.
- Referred order `o`: `SHOP#s#REFORDER#o / REFORDER` — who earns on it (the earn marker).
"""
from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.db import keys
from crowdcart.db.connection import Entity


def promoter_pk(shop_id: str, user_id: str) -> str:
    """Partition of a promoter's account, commissions and withdrawals."""
    return keys.scoped(shop_id, "PROMOTER", user_id)


class ReferralProgram(Entity, discriminator="referral_program"):
    """The shop's referral settings (one per shop)."""

    program_id = UnicodeAttribute()
    enabled = BooleanAttribute(default=True)
    approval_required = BooleanAttribute(default=False)
    level1_rate_bp = NumberAttribute(default=0)
    level2_rate_bp = NumberAttribute(default=0)
    binding_days = NumberAttribute(default=0)
    new_shoppers_only = BooleanAttribute(default=True)
    min_withdrawal_fen = NumberAttribute(default=100)
    share_title = UnicodeAttribute(default="")
    share_image_url = UnicodeAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str) -> tuple:
        """(PK, SK) of the programme."""
        return keys.scoped(shop_id, "REFERRAL"), "PROGRAM"


class Promoter(Entity, discriminator="promoter"):
    """A shopper who applied to promote the shop, with their commission balances (fen)."""

    user_id = UnicodeAttribute()
    status = UnicodeAttribute()  # pending | approved | rejected
    applied_at = NumberAttribute()
    decided_at = NumberAttribute(null=True)
    invitees = NumberAttribute(default=0)
    orders = NumberAttribute(default=0)
    frozen_fen = NumberAttribute(default=0)
    available_fen = NumberAttribute(default=0)
    withdrawing_fen = NumberAttribute(default=0)
    withdrawn_fen = NumberAttribute(default=0)
    earned_fen = NumberAttribute(default=0)
    reversed_fen = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, user_id: str) -> tuple:
        """(PK, SK) of a promoter."""
        return promoter_pk(shop_id, user_id), "PROMOTER"

    @staticmethod
    def status_partition(shop_id: str, status: str) -> str:
        """GSI1 partition of the shop's promoters in `status`."""
        return keys.scoped(shop_id, "PROMOTERS", status)


class ReferralBinding(Entity, discriminator="referral_binding"):
    """Shopper `user_id` was brought by `promoter_id` at `bound_at` (until `expires_at`, if set)."""

    user_id = UnicodeAttribute()
    promoter_id = UnicodeAttribute()
    bound_at = NumberAttribute()
    expires_at = NumberAttribute(null=True)
    is_new = NumberAttribute(default=0)

    @classmethod
    def key(cls, shop_id: str, user_id: str) -> tuple:
        """(PK, SK) of a shopper's binding."""
        return keys.scoped(shop_id, "USER", user_id, "REFERRAL"), "BINDING"

    @staticmethod
    def invitees_partition(shop_id: str, promoter_id: str) -> str:
        """GSI1 partition of a promoter's invitees."""
        return keys.scoped(shop_id, "PROMOTER", promoter_id, "INVITEES")


class ReferredOrder(Entity, discriminator="referred_order"):
    """Who earns on one order (`payees`: [{level, promoter_id, rate_bp, amount_fen}]); put once."""

    order_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    payees = JSONAttribute(default=list)
    payable_fen = NumberAttribute()
    refunded_fen = NumberAttribute(default=0)
    at = NumberAttribute()

    @classmethod
    def key(cls, shop_id: str, order_id: str) -> tuple:
        """(PK, SK) of an order's referral record."""
        return keys.scoped(shop_id, "REFORDER", order_id), "REFORDER"


class Commission(Entity, discriminator="commission"):
    """A promoter's commission on one order at one level: frozen → available, or reversed.

    `amount_fen` is what it is worth now (lowered by partial refunds); `refunded_fen` the order's
    refunded amount it reflects; `version` guards every change.
    """

    order_id = UnicodeAttribute()
    buyer_id = UnicodeAttribute()
    level = NumberAttribute()
    rate_bp = NumberAttribute()
    payable_fen = NumberAttribute()
    refunded_fen = NumberAttribute(default=0)
    amount_fen = NumberAttribute()
    status = UnicodeAttribute()
    version = NumberAttribute(default=1)
    earned_at = NumberAttribute()
    unfrozen_at = NumberAttribute(null=True)
    reversed_at = NumberAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, promoter_id: str, order_id: str, level: int) -> tuple:
        """(PK, SK) of a commission."""
        return promoter_pk(shop_id, promoter_id), f"COMM#{order_id}#{level}"

    @staticmethod
    def list_partition(shop_id: str, promoter_id: str) -> str:
        """GSI1 partition of a promoter's commissions."""
        return keys.scoped(shop_id, "PROMOTER", promoter_id, "COMMS")


class Withdrawal(Entity, discriminator="withdrawal"):
    """A promoter's request to be paid `amount_fen`: requested → approved (paid by the merchant) | rejected.

    Its own partition (the merchant's routes name only its id); GSI1 lists a promoter's withdrawals,
    GSI2 the shop's by status.
    """

    withdrawal_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    amount_fen = NumberAttribute()
    status = UnicodeAttribute()
    requested_at = NumberAttribute()
    decided_at = NumberAttribute(null=True)
    note = UnicodeAttribute(null=True)

    @classmethod
    def key(cls, shop_id: str, withdrawal_id: str) -> tuple:
        """(PK, SK) of a withdrawal."""
        return keys.scoped(shop_id, "WITHDRAWAL", withdrawal_id), "WITHDRAWAL"

    @staticmethod
    def promoter_partition(shop_id: str, user_id: str) -> str:
        """GSI1 partition of a promoter's withdrawals."""
        return keys.scoped(shop_id, "PROMOTER", user_id, "WITHDRAWALS")

    @staticmethod
    def status_partition(shop_id: str, status: str) -> str:
        """GSI2 partition of the shop's withdrawals in `status`."""
        return keys.scoped(shop_id, "WITHDRAWALS", status)
