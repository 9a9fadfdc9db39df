"""Campaign analytics: participants, new users, shares, and the orders, GMV and refunds credited to each
campaign (GET /admin/v1/campaigns/{kind}/{id}/stats; 404 for a campaign the shop does not have).

Attribution — which paid orders a campaign is credited with:
1. Through the play: an order whose `activity` is a group-buy seat, a flash-sale purchase or a bargain counts
   to that group buy, flash sale or bargain (the activity, not the session); an order buying a gift-voucher
   product counts to that gift voucher; an order paid with a coupon counts to the coupon's template. No window.
2. With the play's coupon: an order paying with a coupon a play handed out counts to the play — red-packet
   prizes, discount-pool and gift-voucher coupons; lottery and card-set prize coupons (also to their template).
3. Brought in: red packets, discount pools, gift vouchers, referral, lotteries and card sets (plays with no
   purchase of their own) also get the orders a shopper who joined one of them as a NEW user (account younger
   than the shared object; referral: no paid order yet) pays within 7 days of joining — first touch: only the
   first such campaign the shopper joined.
4. Nothing else: a participant's other orders (a bargain's helpers, existing shoppers who helped, the buyer who
   opened a discount pool) count nowhere; rule 3 never applies to bargains, group buys, flash sales or coupons.
5. Once: at pending_payment → paid, with payable_fen, once per (campaign, order) — a put-if-absent marker and
   the counters' ADD in one transaction. One order may count to several campaigns (a flash-sale order paid
   with a coupon), so campaigns do not add up to the shop's GMV.
6. Refunds: `gmv_fen` stays what was paid; `refunded_fen` grows by what is refunded of counted orders (the
   marker's refunded amount moves from its previous value in the same transaction). Net = gmv - refunded.
7. Participants: each viral play counts its own (starters, helpers, claimers, invitees); group buys, flash
   sales and bargains count the buyer of an order paid through them; a coupon template counts each shopper
   one of its coupons was issued to. A new user's account was created at or after the campaign.
"""
import json
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple, Type

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.connection import Entity
from crowdcart.db.models.analytics import Attribution, CampaignStats, Participation
from crowdcart.db.models.campaigns import Bargain, FlashSale
from crowdcart.db.models.catalog import Product
from crowdcart.db.models.coupons import Coupon, CouponTemplate
from crowdcart.db.models.discount_pools import DiscountRule
from crowdcart.db.models.games import CardSet, Lottery
from crowdcart.db.models.groups import GroupBuy
from crowdcart.db.models.redpackets import RedPacketCampaign
from crowdcart.db.models.referral import ReferralProgram
from crowdcart.db.models.shops import Shopper
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.domain import order_states as states
from crowdcart.errors import not_found
from crowdcart.reactions.stream import on

ATTRIBUTION_DAYS = 7
WINDOW_SECONDS = ATTRIBUTION_DAYS * 86400
FIGURES = ("participants", "new_users", "shares", "orders", "gmv_fen", "refunded_fen")
Key = Tuple[str, str]
Ref = Tuple[str, str]  # (kind, campaign id)


class CampaignItem(NamedTuple):
    """Where a campaign of one kind lives: its model, its key from (shop, id), and a check of the item."""

    model: Type[Entity]
    key: Callable[[str, str], Key]
    check: Callable[[Any, str], bool] = lambda item, campaign_id: True


CAMPAIGNS: Dict[str, CampaignItem] = {
    "red_packet": CampaignItem(RedPacketCampaign, RedPacketCampaign.key),
    "discount_pool": CampaignItem(DiscountRule, DiscountRule.key),
    "gift_voucher": CampaignItem(Product, Product.key, lambda item, _: item.kind == "voucher"),
    "referral": CampaignItem(ReferralProgram, lambda shop_id, _: ReferralProgram.key(shop_id),
                             lambda item, campaign_id: item.program_id == campaign_id),
    "lottery": CampaignItem(Lottery, Lottery.key),
    "card_collect": CampaignItem(CardSet, CardSet.key),
    "bargain": CampaignItem(Bargain, Bargain.key),
    "group_buy": CampaignItem(GroupBuy, GroupBuy.key),
    "flash_sale": CampaignItem(FlashSale, FlashSale.key),
    "coupon": CampaignItem(CouponTemplate, CouponTemplate.key),
}
KINDS = tuple(CAMPAIGNS)
BROUGHT_IN = ("red_packet", "discount_pool", "gift_voucher", "referral", "lottery", "card_collect")  # rule 3
ACTIVITIES = {"group_buy": "id", "flash_sale": "id", "bargain": "bargain_id"}  # order.activity type → id field
GRANTED = ("red_packet", "discount_pool", "gift_voucher")  # coupon cause prefixes whose template is the play
PRIZES = {"lottery": "lottery", "cards": "card_collect"}  # prize coupon cause prefix → kind (id in the cause)
VOUCHER_LINE = "voucher"  # an order line selling a gift voucher (crowdcart.reactions.gift_vouchers)


# ---------------------------------------------------------------------------------------------- counters
def _stats_ref(shop_id: str, kind: str, campaign_id: str) -> CampaignStats:
    return CampaignStats(*CampaignStats.key(shop_id, kind, campaign_id), kind=kind, campaign_id=campaign_id)


def _upsert(kind: str, campaign_id: str) -> list:
    """Actions that create the counters item on first use with its type and names."""
    return [CampaignStats.entity.set(CampaignStats), CampaignStats.kind.set(kind),
            CampaignStats.campaign_id.set(campaign_id)]


def _read(wanted: List[Key]) -> Dict[Key, Any]:
    """One consistent batch read, by key."""
    return {(item.PK, item.SK): item for item in Entity.batch_get(list(dict.fromkeys(wanted)), consistent_read=True)}


def _run_once(build: Callable[[], Transaction], marker_label: str) -> bool:
    """Run the transaction; False when the marker's condition says it was applied before."""
    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label != marker_label:
            raise
        return False
    return True


def participate(shop_id: str, kind: str, campaign_id: str, user_id: str, is_new_user: bool = False,
                tx: Optional[Transaction] = None) -> None:
    """Count a shopper once per campaign. Pass `tx` to join the caller's transaction (the marker's
    condition then fails the whole transaction for a repeat: only do that where a repeat is an error)."""
    moment = now()
    marker = Participation(*Participation.key(shop_id, kind, campaign_id, user_id), kind=kind,
                           campaign_id=campaign_id, user_id=user_id, is_new_user=int(is_new_user), at=moment,
                           GSI1PK=Participation.by_user(shop_id, user_id), GSI1SK=f"{moment:010d}#{kind}#{campaign_id}")

    def add(target: Transaction) -> None:
        target.put("analytics:participation", marker, Participation.PK.does_not_exist())
        target.update("analytics:stats", _stats_ref(shop_id, kind, campaign_id),
                      _upsert(kind, campaign_id) + [CampaignStats.participants.add(1),
                                                    CampaignStats.new_users.add(int(is_new_user))])

    if tx is not None:
        add(tx)
        return

    def build() -> Transaction:
        fresh = Transaction()
        add(fresh)
        return fresh

    _run_once(build, "analytics:participation")


def record_share(shop_id: str, kind: str, campaign_id: str) -> None:
    """Count one share of a campaign's card."""
    _stats_ref(shop_id, kind, campaign_id).update(actions=_upsert(kind, campaign_id) + [CampaignStats.shares.add(1)])


def stats(shop_id: str, kind: str, campaign_id: str) -> Dict[str, Any]:
    """The campaign's counters (zeros before anything happened); 404 `campaign_not_found` when this shop
    has no campaign of that kind and id (one consistent batch read of the campaign and its counters)."""
    where = CAMPAIGNS.get(kind)
    if where is None:
        raise not_found("campaign", campaign_id)
    campaign_key, stats_key = where.key(shop_id, campaign_id), CampaignStats.key(shop_id, kind, campaign_id)
    found = _read([campaign_key, stats_key])
    campaign = found.get(campaign_key)
    if not isinstance(campaign, where.model) or not where.check(campaign, campaign_id):
        raise not_found("campaign", campaign_id)
    item = found.get(stats_key)
    return {"kind": kind, "campaign_id": campaign_id,
            **{name: int(getattr(item, name, 0) or 0) for name in FIGURES}}


def _join_play(shop_id: str, kind: str, campaign_id: str, user_id: str) -> None:
    """Count a shopper as a participant, new when their account is no older than the campaign."""
    campaign_key, profile_key = CAMPAIGNS[kind].key(shop_id, campaign_id), Shopper.key(shop_id, user_id)
    found = _read([campaign_key, profile_key])
    campaign, profile = found.get(campaign_key), found.get(profile_key)
    is_new = (campaign is not None and profile is not None
              and int(profile.created_at) >= int(getattr(campaign, "created_at", 0) or 0))
    participate(shop_id, kind, campaign_id, user_id, is_new)


# ------------------------------------------------------------------------------------------- attribution
def _json(value: Any) -> Any:
    """A JSON attribute from a model (already parsed) or a stream image (text)."""
    return json.loads(value) if isinstance(value, str) else value


def through_play(order: Mapping[str, Any]) -> List[Ref]:
    """Rule 1 without the coupon: the play the order was placed through, and gift vouchers it bought."""
    activity = _json(order.get("activity")) or {}
    found = []
    if activity.get("type") in ACTIVITIES:
        found.append((activity["type"], activity[ACTIVITIES[activity["type"]]]))
    lines = _json(order.get("lines")) or []
    return found + [("gift_voucher", line["product_id"]) for line in lines
                    if isinstance(line, dict) and line.get("kind") == VOUCHER_LINE]


def coupon_campaigns(cause: Optional[str], template_id: str) -> List[Ref]:
    """Rules 1 and 2 for a coupon: the campaigns an order using it counts to."""
    source = str(cause or "").split(":")
    if source[0] in GRANTED:
        return [(source[0], template_id)]
    found = [("coupon", template_id)]
    if source[0] in PRIZES and len(source) > 1:
        found.append((PRIZES[source[0]], source[1]))
    return found


def _by_coupon(shop_id: str, user_id: str, coupon_id: Optional[str]) -> List[Ref]:
    if not coupon_id:
        return []
    try:
        coupon = Coupon.get(*Coupon.key(shop_id, user_id, coupon_id), consistent_read=True)
    except DoesNotExist:
        return []
    return coupon_campaigns(coupon.cause, coupon.template_id)


def brought_in(shop_id: str, user_id: str, paid_at: int) -> List[Ref]:
    """Rule 3: the first campaign that brought the shopper in as a new user, if they joined it within the
    window before `paid_at` (the shopper's campaigns on GSI1, oldest first)."""
    joined = Participation.gsi1.query(Participation.by_user(shop_id, user_id),
                                      Participation.GSI1SK <= f"{paid_at:010d}~",
                                      filter_condition=(Participation.is_new_user == 1)
                                      & Participation.kind.is_in(*BROUGHT_IN))
    first = next(iter(joined), None)
    if first is None or paid_at - int(first.at) > WINDOW_SECONDS:
        return []
    return [(first.kind, first.campaign_id)]


def campaigns_of(order: Mapping[str, Any], paid_at: int) -> List[Ref]:
    """Every campaign a paid order counts to under the rules above, each once."""
    shop_id, user_id = order["shop_id"], order["user_id"]
    found = through_play(order) + _by_coupon(shop_id, user_id, order.get("coupon_id"))
    return list(dict.fromkeys(found + brought_in(shop_id, user_id, paid_at)))


def count_order(shop_id: str, kind: str, campaign_id: str, order_id: str, paid_fen: int) -> bool:
    """Count a paid order for one campaign (once: False when it was counted before)."""
    def build() -> Transaction:
        tx = Transaction()
        tx.put("analytics:attribution", Attribution(*Attribution.key(shop_id, kind, campaign_id, order_id),
                                                    order_id=order_id, amount_fen=paid_fen, refunded_fen=0),
               Attribution.PK.does_not_exist())
        tx.update("analytics:stats", _stats_ref(shop_id, kind, campaign_id),
                  _upsert(kind, campaign_id) + [CampaignStats.orders.add(1), CampaignStats.gmv_fen.add(paid_fen)])
        return tx

    return _run_once(build, "analytics:attribution")


def count_refund(shop_id: str, kind: str, campaign_id: str, order_id: str, before: int, after: int) -> bool:
    """Move the campaign's `refunded_fen` by what the order's refunds grew from `before` to `after` — only
    when the order was counted for it and its marker still shows `before` (False otherwise)."""
    shown = Attribution.refunded_fen == before
    if before == 0:
        shown = shown | Attribution.refunded_fen.does_not_exist()

    def build() -> Transaction:
        tx = Transaction()
        tx.update("analytics:refund", Attribution(*Attribution.key(shop_id, kind, campaign_id, order_id)),
                  [Attribution.refunded_fen.set(after)], condition=Attribution.PK.exists() & shown)
        tx.update("analytics:stats", _stats_ref(shop_id, kind, campaign_id),
                  _upsert(kind, campaign_id) + [CampaignStats.refunded_fen.add(after - before)])
        return tx

    return _run_once(build, "analytics:refund")


# ------------------------------------------------------------------------------------------ stream reactions
@on("order")
def order_paid(old: Optional[Dict[str, Any]], new: Optional[Dict[str, Any]], at: int) -> None:
    """An order just paid: its buyer joins the purchase play it went through; it counts to its campaigns."""
    if not new or new.get("status") != states.PAID or (old or {}).get("status") != states.PENDING_PAYMENT:
        return
    shop_id, user_id, order_id = new["shop_id"], new["user_id"], new["order_id"]
    for kind, campaign_id in through_play(new):
        if kind in ACTIVITIES:
            _join_play(shop_id, kind, campaign_id, user_id)
    for kind, campaign_id in campaigns_of(new, int(new.get("paid_at") or at)):
        count_order(shop_id, kind, campaign_id, order_id, int(new["payable_fen"]))


@on("order")
def order_refunded(old: Optional[Dict[str, Any]], new: Optional[Dict[str, Any]], at: int) -> None:
    """An order's refunds grew: the campaigns it counted to show it in `refunded_fen`."""
    if not old or not new or not new.get("paid_at"):
        return
    before, after = int(old.get("refunded_fen") or 0), int(new.get("refunded_fen") or 0)
    if after <= before:
        return
    for kind, campaign_id in campaigns_of(new, int(new["paid_at"])):
        count_refund(new["shop_id"], kind, campaign_id, new["order_id"], before, after)


@on("coupon")
def coupon_issued(old: Optional[Dict[str, Any]], new: Optional[Dict[str, Any]], at: int) -> None:
    """A coupon of a merchant's template was issued: its holder takes part in that coupon campaign."""
    if old is not None or not new or not new.get("template_id"):
        return
    if ("coupon", new["template_id"]) in coupon_campaigns(new.get("cause"), new["template_id"]):
        _join_play(str(new["PK"]).split("#")[1], "coupon", new["template_id"], new["user_id"])
