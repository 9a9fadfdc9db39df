"""Gift vouchers (礼券赠送): a buyer sends a voucher with a one-time share token, the first friend to open it
claims it, and redeems it online (a coupon) or in a store (a code the merchant verifies once).

Vouchers are made by a stream reaction when their order is paid, and voided when it is refunded
(crowdcart.reactions.gift_vouchers). Here:
- send: `held|sent → sent` with a fresh token (a re-send kills the old link), only by the buyer,
  while the voucher is valid; take back: `sent → held` (the link dies);
- claim: one transaction moves the voucher `sent → claimed` on condition that the token's hash is
  still the current one, its link and the voucher are unexpired and it is not the buyer's own; puts
  the claimant's coupon (no threshold, worth the face value, on the voucher's redeem products or the
  whole shop, valid as long as the voucher), the in-store code (put-if-absent) and the claimant's
  first participation — so of any number of friends opening the link at once, exactly one claims it;
- in-store redemption: one transaction moves the voucher `claimed → redeemed` and marks its coupon
  used (only if unused): a voucher spent online cannot also be spent in the store, nor the reverse.
"""
import hashlib
import hmac
import secrets
from typing import Any, Dict, Optional, Tuple

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import iso, now
from crowdcart.db.connection import Entity
from crowdcart.db.models.catalog import Product
from crowdcart.db.models.coupons import Coupon
from crowdcart.db.models.gift_vouchers import (ANALYTICS_KIND, CLAIMED, DEFAULT_SHARE_SECONDS, DEFAULT_VALID_DAYS,
                                               HELD, REDEEMED, SENT, UNCLAIMED, VOID, GiftCode, GiftVoucher,
                                               GiftVoucherConfig)
from crowdcart.db.models.shops import Shopper
from crowdcart.db.models.stores import Store
from crowdcart.db.orders import get_order
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction, update_if
from crowdcart.domain import coupons as coupon_rules
from crowdcart.errors import Conflict, not_found, validation_error
from crowdcart.ids import is_id
from crowdcart.observability import business_event
from crowdcart.pagination import decode_cursor, encode_cursor
from crowdcart.reactions.gift_vouchers import VOUCHER_KIND, voucher_ids, voucher_lines
from crowdcart.rewards import coupons
from crowdcart.rewards.grants import GRANT, CouponGrant, grant_actions
from crowdcart.settings import get_settings
from crowdcart.viral import is_new_user, participation_key, run_counted, share_card

VOUCHER, CODE, USE = "voucher", "code", "coupon:use"
ID_LENGTH, CODE_ATTEMPTS = 26, 4


# ---------------------------------------------------------------- product settings (merchant)

def _voucher_product(shop_id: str, product_id: str) -> Product:
    if not is_id(product_id):
        raise not_found("product", product_id)
    try:
        product = Product.get(*Product.key(shop_id, product_id))
    except DoesNotExist as exc:
        raise not_found("product", product_id) from exc
    if product.kind != VOUCHER_KIND:
        raise Conflict("not_a_voucher_product", "Only a product of kind `voucher` sells gift vouchers.")
    return product


def config_view(product_id: str, config: Optional[GiftVoucherConfig]) -> Dict[str, Any]:
    """A voucher product's settings (the defaults when never set)."""
    return {"product_id": product_id,
            "valid_days": int(config.valid_days) if config else DEFAULT_VALID_DAYS,
            "share_seconds": int(config.share_seconds) if config else DEFAULT_SHARE_SECONDS,
            "redeem_product_ids": list(config.redeem_product_ids or []) if config else [],
            "updated_at": iso(int(config.updated_at)) if config else None}


def get_config(shop_id: str, product_id: str) -> Dict[str, Any]:
    """A voucher product's settings."""
    _voucher_product(shop_id, product_id)
    try:
        config = GiftVoucherConfig.get(*GiftVoucherConfig.key(shop_id, product_id), consistent_read=True)
    except DoesNotExist:
        config = None
    return config_view(product_id, config)


def put_config(shop_id: str, product_id: str, fields: Dict[str, Any]) -> Dict[str, Any]:
    """Set a voucher product's settings (vouchers sold from now on copy them); 422 for unknown products."""
    _voucher_product(shop_id, product_id)
    redeem = list(dict.fromkeys(fields["redeem_product_ids"]))
    if redeem:
        found = {p.product_id for p in Product.batch_get([Product.key(shop_id, p) for p in redeem])}
        unknown = [p for p in redeem if p not in found]
        if unknown:
            raise validation_error("redeem_product_ids", f"no product {unknown[0]} in this shop")
    config = GiftVoucherConfig(*GiftVoucherConfig.key(shop_id, product_id), product_id=product_id,
                               valid_days=fields["valid_days"], share_seconds=fields["share_seconds"],
                               redeem_product_ids=redeem, updated_at=now())
    config.save()
    return config_view(product_id, config)


# ---------------------------------------------------------------- views

def _coupon(voucher: GiftVoucher) -> Optional[Coupon]:
    if not voucher.coupon_id or not voucher.holder_id:
        return None
    return coupons.find_coupon(voucher.shop_id, voucher.holder_id, voucher.coupon_id)


def voucher_status(voucher: GiftVoucher, moment: int, coupon: Optional[Coupon] = None) -> str:
    """held | sent | claimed | redeemed | expired | void, as the shopper sees it (a sent voucher whose link
    ran out is held again; a claimed one whose coupon paid an order is redeemed)."""
    if voucher.status in (VOID, REDEEMED):
        return voucher.status
    if voucher.status == CLAIMED and coupon is not None and coupon.status == coupon_rules.USED:
        return REDEEMED
    if moment > int(voucher.valid_until):
        return "expired"
    if voucher.status == SENT and moment >= int(voucher.share_expires_at or 0):
        return HELD
    return voucher.status


def voucher_view(voucher: GiftVoucher, viewer_id: str, moment: int, with_coupon: bool = True) -> Dict[str, Any]:
    """A voucher as its buyer or its claimant sees it (the code and coupon only to the claimant)."""
    coupon = _coupon(voucher) if with_coupon else None
    holder = viewer_id == voucher.holder_id
    return {"id": voucher.voucher_id, "order_id": voucher.order_id if viewer_id == voucher.buyer_id else None,
            "product_id": voucher.product_id, "sku_id": voucher.sku_id, "title": voucher.title, "spec": voucher.spec,
            "image": voucher.image, "face_value_fen": int(voucher.face_value_fen),
            "redeem_product_ids": list(voucher.redeem_product_ids or []),
            "status": voucher_status(voucher, moment, coupon), "valid_until": int(voucher.valid_until),
            "valid_until_iso": iso(int(voucher.valid_until)), "buyer_id": voucher.buyer_id,
            "holder_id": voucher.holder_id, "message": voucher.message,
            "share_expires_at": int(voucher.share_expires_at) if voucher.status == SENT else None,
            "claimed_at": iso(int(voucher.claimed_at)) if voucher.claimed_at else None,
            "coupon_id": voucher.coupon_id if holder else None, "code": voucher.code if holder else None,
            "redeemed_at": iso(int(voucher.redeemed_at)) if voucher.redeemed_at else None,
            "redeemed_order_id": coupon.used_order_id if coupon is not None and voucher.status == CLAIMED else None}


def _load(shop_id: str, voucher_id: str, consistent: bool = True) -> GiftVoucher:
    if not is_id(voucher_id):
        raise not_found("gift_voucher", voucher_id)
    try:
        return GiftVoucher.get(*GiftVoucher.key(shop_id, voucher_id), consistent_read=consistent)
    except DoesNotExist as exc:
        raise not_found("gift_voucher", voucher_id) from exc


def _owned(shop_id: str, voucher_id: str, user_id: str) -> GiftVoucher:
    """The voucher if the caller bought or claimed it; 404 otherwise (no existence leak)."""
    voucher = _load(shop_id, voucher_id)
    if user_id not in (voucher.buyer_id, voucher.holder_id):
        raise not_found("gift_voucher", voucher_id)
    return voucher


def get_voucher(shop_id: str, voucher_id: str, user_id: str) -> Dict[str, Any]:
    """One of the caller's vouchers (bought or claimed)."""
    return voucher_view(_owned(shop_id, voucher_id, user_id), user_id, now())


def my_vouchers(shop_id: str, user_id: str, role: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """The vouchers the caller bought (`bought`) or claimed (`received`), newest first."""
    index, partition = ((GiftVoucher.gsi2, GiftVoucher.holder_partition(shop_id, user_id)) if role == "received"
                        else (GiftVoucher.gsi1, GiftVoucher.buyer_partition(shop_id, user_id)))
    page = index.query(partition, scan_index_forward=False, limit=limit,
                       last_evaluated_key=decode_cursor(shop_id, cursor))
    moment = now()
    return {"items": [voucher_view(v, user_id, moment) for v in page],
            "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def order_vouchers(shop_id: str, order_id: str, user_id: Optional[str] = None) -> Dict[str, Any]:
    """The vouchers an order made, in unit order (the buyer's, or any order's for the merchant)."""
    order = get_order(shop_id, order_id) if is_id(order_id) else None
    if order is None or (user_id is not None and order.user_id != user_id):
        raise not_found("order", order_id)
    ids = [i for line in voucher_lines({"lines": order.lines}) for i in voucher_ids(shop_id, order_id, line)]
    found = {v.voucher_id: v for v in GiftVoucher.batch_get([GiftVoucher.key(shop_id, i) for i in ids],
                                                             consistent_read=True)} if ids else {}
    moment = now()
    return {"items": [voucher_view(found[i], user_id or order.user_id, moment) for i in ids if i in found],
            "next_cursor": None}


# ---------------------------------------------------------------- sending

def token_hash(secret: str) -> str:
    """What the voucher keeps of a share token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _parse(token: str) -> Tuple[str, str]:
    voucher_id, secret = token[:ID_LENGTH], token[ID_LENGTH:]
    if not is_id(voucher_id) or len(secret) < 16:
        raise not_found("gift_share")
    return voucher_id, secret


def send(shop_id: str, voucher_id: str, user_id: str, message: Optional[str]) -> Dict[str, Any]:
    """Make (or replace) the voucher's one-time share token; only its buyer, while it is unclaimed and valid."""
    voucher = _load(shop_id, voucher_id)
    if voucher.buyer_id != user_id:
        raise not_found("gift_voucher", voucher_id)
    moment = now()
    _refuse_unclaimed_change(voucher, moment)
    secret = secrets.token_urlsafe(24)
    expires = min(moment + int(voucher.share_seconds), int(voucher.valid_until))
    try:
        update_if(VOUCHER, voucher, [GiftVoucher.status.set(SENT), GiftVoucher.share_hash.set(token_hash(secret)),
                                     GiftVoucher.share_expires_at.set(expires), GiftVoucher.sent_at.set(moment),
                                     GiftVoucher.message.set(message) if message else GiftVoucher.message.remove()],
                  GiftVoucher.status.is_in(*UNCLAIMED) & (GiftVoucher.valid_until > moment)
                  & (GiftVoucher.buyer_id == user_id))
    except ConditionFailed as exc:
        _refuse_unclaimed_change(_load(shop_id, voucher_id), moment)
        raise Conflict("gift_voucher_changed", "The voucher changed meanwhile; retry.") from exc
    token = voucher_id + secret
    business_event("GiftVoucherSent", shop_id=shop_id, voucher_id=voucher_id)
    sent = _load(shop_id, voucher_id)
    return {"voucher": voucher_view(sent, user_id, moment, with_coupon=False), "share_token": token,
            "share_expires_at": expires,
            "share": share_card(f"送你一份{voucher.title}", message or f"A gift worth {int(voucher.face_value_fen) / 100:g} yuan.",
                                f"pages/gift/index?token={token}", voucher.image)}


def _refuse_unclaimed_change(voucher: GiftVoucher, moment: int) -> None:
    if voucher.status == VOID:
        raise Conflict("gift_voucher_void", "This voucher is void (its order was refunded).")
    if voucher.status not in UNCLAIMED:
        raise Conflict("gift_voucher_claimed", "This voucher has already been claimed.")
    if moment > int(voucher.valid_until):
        raise Conflict("gift_voucher_expired", "This voucher has expired.")


def take_back(shop_id: str, voucher_id: str, user_id: str) -> Dict[str, Any]:
    """Cancel the share link of an unclaimed voucher (it is held by its buyer again)."""
    voucher = _load(shop_id, voucher_id)
    if voucher.buyer_id != user_id:
        raise not_found("gift_voucher", voucher_id)
    try:
        update_if(VOUCHER, voucher, [GiftVoucher.status.set(HELD), GiftVoucher.share_hash.remove(),
                                     GiftVoucher.share_expires_at.remove()],
                  (GiftVoucher.status == SENT) & (GiftVoucher.buyer_id == user_id))
    except ConditionFailed as exc:
        current = _load(shop_id, voucher_id)
        if current.status == HELD:
            raise Conflict("gift_voucher_not_sent", "This voucher has not been sent.") from exc
        _refuse_unclaimed_change(current, now())
        raise
    business_event("GiftVoucherTakenBack", shop_id=shop_id, voucher_id=voucher_id)
    return voucher_view(_load(shop_id, voucher_id), user_id, now(), with_coupon=False)


# ---------------------------------------------------------------- the friend's side

def _shared(shop_id: str, token: str) -> GiftVoucher:
    """The voucher a token names, only if the token is its current one (404 otherwise: no leak)."""
    voucher_id, secret = _parse(token)
    try:
        voucher = GiftVoucher.get(*GiftVoucher.key(shop_id, voucher_id), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("gift_share") from exc
    if not voucher.share_hash or not hmac.compare_digest(voucher.share_hash, token_hash(secret)):
        raise not_found("gift_share")
    return voucher


def _sender(shop_id: str, user_id: str) -> Dict[str, str]:
    try:
        profile = Shopper.get(*Shopper.key(shop_id, user_id))
        return {"nickname": profile.nickname or "", "avatar_url": profile.avatar_url or ""}
    except DoesNotExist:
        return {"nickname": "", "avatar_url": ""}


def preview(shop_id: str, token: str, viewer_id: str) -> Dict[str, Any]:
    """What a friend who opens the link sees: the gift, its sender and whether it can still be claimed."""
    voucher = _shared(shop_id, token)
    moment = now()
    status = voucher_status(voucher, moment)
    claimable = voucher.status == SENT and status == SENT and viewer_id != voucher.buyer_id
    return {"voucher_id": voucher.voucher_id, "title": voucher.title, "spec": voucher.spec, "image": voucher.image,
            "face_value_fen": int(voucher.face_value_fen), "message": voucher.message,
            "sender": dict(_sender(shop_id, voucher.buyer_id), user_id=voucher.buyer_id),
            "status": "link_expired" if voucher.status == SENT and status == HELD else status,
            "claimable": claimable, "claimed_by_me": voucher.holder_id == viewer_id,
            "share_expires_at": int(voucher.share_expires_at or 0), "valid_until": int(voucher.valid_until)}


def gift_code(voucher_id: str, attempt: int) -> str:
    """A 12-digit in-store code derived from the voucher with a server secret (stable, unguessable)."""
    key = (get_settings().jwt_secret or "gift").encode()
    digest = hmac.new(key, f"gift:{voucher_id}:{attempt}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**12:012d}"


def _refuse_claim(voucher: GiftVoucher, user_id: str, moment: int) -> None:
    if voucher.buyer_id == user_id:
        raise Conflict("gift_voucher_own", "You cannot claim a gift you sent; a friend opens the link.")
    if voucher.status == VOID:
        raise Conflict("gift_voucher_void", "This gift is void (its order was refunded).")
    if voucher.status in (CLAIMED, REDEEMED):
        raise Conflict("gift_voucher_claimed", "Someone already opened this gift.",
                       claimed_by_you=voucher.holder_id == user_id)
    if moment > int(voucher.valid_until):
        raise Conflict("gift_voucher_expired", "This gift has expired.")
    if voucher.status != SENT or moment >= int(voucher.share_expires_at or 0):
        raise Conflict("gift_share_expired", "This gift link has expired; ask the sender to send it again.")


def claim(shop_id: str, token: str, user_id: str) -> Dict[str, Any]:
    """The first friend to open the link claims the voucher (exactly one claimant); 409 for everyone else."""
    voucher = _shared(shop_id, token)
    secret_hash = voucher.share_hash
    moment = now()
    _refuse_claim(voucher, user_id, moment)
    profile_key = Shopper.key(shop_id, user_id)
    marker = participation_key(shop_id, ANALYTICS_KIND, voucher.product_id, user_id)
    found = {(i.PK, i.SK): i for i in Entity.batch_get([profile_key, marker], consistent_read=True)}
    if profile_key not in found:
        raise not_found("user", user_id)
    is_new = is_new_user(found[profile_key], int(voucher.sent_at or voucher.created_at))
    rule = coupon_rules.rule_of("no_threshold", amount_off_fen=int(voucher.face_value_fen),
                                product_ids=tuple(voucher.redeem_product_ids or ()))
    grant = CouponGrant(shop_id=shop_id, template_id=voucher.product_id, name=voucher.title, rule=rule,
                        valid_from=moment, valid_until=int(voucher.valid_until))
    cause = f"gift_voucher:{voucher.voucher_id}"
    for attempt in range(CODE_ATTEMPTS):
        code = gift_code(voucher.voucher_id, attempt)

        def build(code: str = code) -> Transaction:
            tx = Transaction()
            coupon = grant_actions(tx, grant, user_id, cause, moment)
            tx.put(CODE, GiftCode(*GiftCode.key(shop_id, code), voucher_id=voucher.voucher_id),
                   GiftCode.PK.does_not_exist())
            tx.update(VOUCHER, GiftVoucher(*GiftVoucher.key(shop_id, voucher.voucher_id)),
                      [GiftVoucher.status.set(CLAIMED), GiftVoucher.holder_id.set(user_id),
                       GiftVoucher.claimed_at.set(moment), GiftVoucher.coupon_id.set(coupon.coupon_id),
                       GiftVoucher.code.set(code), GiftVoucher.GSI2PK.set(GiftVoucher.holder_partition(shop_id, user_id)),
                       GiftVoucher.GSI2SK.set(f"GIFT#{moment:010d}#{voucher.voucher_id}")],
                      condition=(GiftVoucher.status == SENT) & (GiftVoucher.share_hash == secret_hash)
                      & (GiftVoucher.share_expires_at > moment) & (GiftVoucher.valid_until > moment)
                      & (GiftVoucher.buyer_id != user_id))
            return tx

        try:
            run_counted(build, shop_id, ANALYTICS_KIND, voucher.product_id, user_id, is_new, marker in found)
        except ConditionFailed as exc:
            if exc.label == CODE:
                continue  # another voucher holds this code: take the next one
            if exc.label in (VOUCHER, GRANT):
                current = _load(shop_id, voucher.voucher_id)
                _refuse_claim(current, user_id, now())
                raise Conflict("gift_share_expired", "This gift link is no longer valid.") from exc
            raise
        business_event("GiftVoucherClaimed", shop_id=shop_id, voucher_id=voucher.voucher_id, is_new=int(is_new))
        return voucher_view(_load(shop_id, voucher.voucher_id), user_id, now())
    raise Conflict("busy", "Could not allocate a voucher code; retry.")


# ---------------------------------------------------------------- in-store redemption (merchant)

def redeem_in_store(shop_id: str, code: str, store_id: Optional[str]) -> Dict[str, Any]:
    """Verify a claimed voucher's code in a store, once: the voucher becomes redeemed and its coupon used."""
    try:
        voucher_id = GiftCode.get(*GiftCode.key(shop_id, code), consistent_read=True).voucher_id
    except DoesNotExist as exc:
        raise not_found("gift_voucher_code") from exc
    voucher = _load(shop_id, voucher_id)
    if store_id is not None:
        try:
            Store.get(*Store.key(shop_id, store_id))
        except DoesNotExist as exc:
            raise not_found("store", store_id) from exc
    moment = now()
    _refuse_redeem(voucher, moment)

    def build() -> Transaction:
        tx = Transaction()
        tx.update(VOUCHER, GiftVoucher(*GiftVoucher.key(shop_id, voucher_id)),
                  [GiftVoucher.status.set(REDEEMED), GiftVoucher.redeemed_at.set(moment)]
                  + ([GiftVoucher.redeemed_store_id.set(store_id)] if store_id else []),
                  condition=(GiftVoucher.status == CLAIMED) & (GiftVoucher.valid_until >= moment))
        coupons.use_actions(tx, shop_id, voucher.holder_id, voucher.coupon_id, f"store:{voucher_id}", moment,
                            label=USE)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        current = _load(shop_id, voucher_id)
        _refuse_redeem(current, now())
        raise Conflict("gift_voucher_redeemed", "This voucher was already used online.") from exc
    business_event("GiftVoucherRedeemed", shop_id=shop_id, voucher_id=voucher_id, channel="store")
    redeemed = _load(shop_id, voucher_id)
    return dict(voucher_view(redeemed, redeemed.holder_id, moment), code=code)


def _refuse_redeem(voucher: GiftVoucher, moment: int) -> None:
    if voucher.status == REDEEMED:
        raise Conflict("gift_voucher_redeemed", "This voucher has already been redeemed.")
    if voucher.status != CLAIMED:
        raise Conflict("gift_voucher_not_claimed", "This voucher has not been claimed.")
    coupon = _coupon(voucher)
    if coupon is not None and coupon.status == coupon_rules.USED:
        raise Conflict("gift_voucher_redeemed", "This voucher was already used online.",
                       order_id=coupon.used_order_id)
    if moment > int(voucher.valid_until):
        raise Conflict("gift_voucher_expired", "This voucher has expired.")
