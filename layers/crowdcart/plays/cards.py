"""Card-collecting core: card sets, albums and their once-per-cause draw earnings, prize grants.

An album is created (put only if absent) before anything adds to it, since its cards live in one
map whose counters are moved with ADD. Draws are earned by joining (`join`), friends' assists
(functions/cards), paid orders (`order:<id>`) and shares (`share:<id>`, under a daily cap).
"""
from typing import Any, Dict, List, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.models.games import CardAlbum, CardRedemption, CardSet, album_pk, end_sort_key
from crowdcart.db.writes import ConditionFailed, Transaction, put_unique, update_if
from crowdcart.domain import cards as rules
from crowdcart.errors import not_found
from crowdcart.ids import is_id
from crowdcart.observability import business_event
from crowdcart.plays import common, prizes

KIND = "card_collect"  # the analytics kind
UPCOMING, ACTIVE, ENDED = "upcoming", "active", "ended"


def load(shop_id: str, set_id: str, consistent: bool = False) -> CardSet:
    """The card set; 404 `card_set_not_found`."""
    if not is_id(set_id):
        raise not_found("card_set", set_id)
    try:
        return CardSet.get(*CardSet.key(shop_id, set_id), consistent_read=consistent)
    except DoesNotExist as exc:
        raise not_found("card_set", set_id) from exc


def status(card_set: CardSet, moment: int) -> str:
    """upcoming, active or ended."""
    if moment >= int(card_set.ends_at):
        return ENDED
    return UPCOMING if moment < int(card_set.starts_at) else ACTIVE


def active(shop_id: str, moment: Optional[int] = None, until: Optional[int] = None) -> List[CardSet]:
    """The shop's card sets running at `moment` (one GSI1 range: ending after it). With `until`, those
    running at some time in [moment, until] — stream record times are rounded down to the minute."""
    at = moment or now()
    latest = max(at, until or at)
    found = CardSet.gsi1.query(CardSet.list_partition(shop_id), CardSet.GSI1SK > end_sort_key(at, "~"))
    return [item for item in found if int(item.starts_at) <= latest]


def kinds_of(card_set: CardSet) -> List[rules.Kind]:
    """The set's kinds as the draw rules see them."""
    return [rules.Kind(k["kind_id"], int(k["weight"])) for k in card_set.kinds]


def kind_ids(card_set: CardSet) -> List[str]:
    """The set's kind ids, in order."""
    return [k["kind_id"] for k in card_set.kinds]


def ensure_album(card_set: CardSet, user_id: str, at: Optional[int] = None) -> bool:
    """Create the shopper's album (a zero per kind: DynamoDB Local's stream mangles an empty map)
    unless it exists; True when created now."""
    shop_id, set_id = card_set.shop_id, card_set.set_id
    try:
        put_unique("album", CardAlbum(*CardAlbum.key(shop_id, set_id, user_id), set_id=set_id, user_id=user_id,
                                      cards={k: 0 for k in kind_ids(card_set)}, draws=0, draws_earned=0,
                                      draws_used=0, assists=0, created_at=at or now()))
    except ConditionFailed:
        return False
    return True


def get_album(shop_id: str, set_id: str, user_id: str) -> Optional[CardAlbum]:
    """The album, read consistently, or None."""
    try:
        return CardAlbum.get(*CardAlbum.key(shop_id, set_id, user_id), consistent_read=True)
    except DoesNotExist:
        return None


def cards_of(album: Optional[CardAlbum]) -> Dict[str, int]:
    """The album's counts by kind id."""
    if album is None or album.cards is None:
        return {}
    raw = album.cards.as_dict() if hasattr(album.cards, "as_dict") else dict(album.cards)
    return {k: int(v) for k, v in raw.items()}


def add_draws(shop_id: str, set_id: str, user_id: str, amount: int) -> common.Layout:
    """A layout adding `amount` draws to an existing album."""
    def add(tx: Transaction) -> None:
        tx.update("album", CardAlbum(*CardAlbum.key(shop_id, set_id, user_id)),
                  [CardAlbum.draws.add(amount), CardAlbum.draws_earned.add(amount)],
                  condition=CardAlbum.PK.exists())

    return add


def earn(shop_id: str, card_set: CardSet, user_id: str, cause: str, amount: int, *,
         daily_cap: int = 0, at: Optional[int] = None) -> str:
    """Credit draws once per cause (a share also under the daily cap); earned, duplicate or capped."""
    if amount <= 0:
        return common.DUPLICATE
    ensure_album(card_set, user_id, at)
    partition = album_pk(shop_id, card_set.set_id, user_id)
    cap = common.share_cap(partition, daily_cap, at) if daily_cap else None
    result = common.earn_once(partition, cause, amount, add_draws(shop_id, card_set.set_id, user_id, amount), at, cap)
    if result == common.EARNED:
        business_event("CardDrawsEarned", shop_id=shop_id, set_id=card_set.set_id, cause=cause.split(":")[0])
    return result


def earn_for_order(shop_id: str, user_id: str, order_id: str, paid_fen: int, at: int) -> int:
    """Draws for a paid order in every running card set that gives them; returns how many sets."""
    credited = 0
    for card_set in active(shop_id, at):
        if int(card_set.order_draws or 0) > 0 and paid_fen >= int(card_set.order_min_fen or 0):
            credited += earn(shop_id, card_set, user_id, f"order:{order_id}", int(card_set.order_draws), at=at) \
                == common.EARNED
    return credited


def grant_redemption(shop_id: str, set_id: str, user_id: str) -> Optional[Dict[str, Any]]:
    """Issue a redeemed set's prize once (cause `cards:<set>:redeem`) and record it on the redemption."""
    try:
        redemption = CardRedemption.get(*CardRedemption.key(shop_id, set_id, user_id), consistent_read=True)
    except DoesNotExist:
        return None
    if redemption.granted_at is not None:
        return redemption.granted
    granted = prizes.grant(shop_id, user_id, redemption.prize, f"cards:{set_id}:redeem", "cards")
    try:
        update_if("redemption", CardRedemption(redemption.PK, redemption.SK),
                  [CardRedemption.granted.set(granted), CardRedemption.granted_at.set(now())],
                  CardRedemption.granted_at.does_not_exist())
    except ConditionFailed:
        pass  # granted concurrently: the same coupon / ledger entry, by cause
    return granted
