"""Card collecting: set-up, albums, draws, friends' assists, gifts of duplicates and the one redemption.

Every move of cards is one transaction on conditions DynamoDB checks: a draw takes a draw only while
one is left (`draws >= 1`) and adds the card; a gift takes a card only while the giver holds two
(`cards.k >= 2`) and puts the gift, which a friend claims once (`status = open`, unexpired) or the
giver takes back; a redemption takes one of each kind only while every kind is held and the album
was never redeemed, puts the redemption (only if absent) and takes one prize from the stock — so
two devices redeeming at once get one prize.
"""
import random
from typing import Any, Dict, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart import analytics
from crowdcart.clock import iso, now
from crowdcart.db.models.games import (CardAlbum, CardAssist, CardDraw, CardGift, CardPrizeStock, CardRedemption,
                                       CardSet,
                                       PlayEarning, album_pk, end_sort_key)
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction, update_if
from crowdcart.domain import cards as rules
from crowdcart.errors import Conflict, not_found, validation_error
from crowdcart.ids import derived_id, is_id, new_id
from crowdcart.observability import business_event
from crowdcart.pagination import decode_cursor, encode_cursor
from crowdcart.plays import cards as core
from crowdcart.plays import common, prizes

OPEN, CLAIMED, CANCELLED, EXPIRED = "open", "claimed", "cancelled", "expired"
SETTINGS = ("initial_draws", "assist_draws", "assists_cap", "order_draws", "order_min_fen", "share_draws",
            "share_daily_cap", "gift_hours")


def create_card_set(shop_id: str, fields: Dict[str, Any]) -> Dict[str, str]:
    """Create a card set (and its prize counter when the prize has a stock), in one transaction."""
    moment = now()
    if fields["ends_at"] <= moment:
        raise validation_error("ends_at", "must be in the future")
    try:
        rules.validate([k["weight"] for k in fields["kinds"]])
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise validation_error(field, message) from exc
    prizes.check(shop_id, fields["prize"], fields["prize_stock"], "prize")
    set_id = new_id()
    ids = rules.kind_ids(len(fields["kinds"]))
    kinds = [dict(kind, kind_id=kind_id) for kind_id, kind in zip(ids, fields["kinds"])]
    card_set = CardSet(*CardSet.key(shop_id, set_id), set_id=set_id, shop_id=shop_id, name=fields["name"],
                       description=fields["description"], kinds=kinds, prize=fields["prize"],
                       prize_stock=fields["prize_stock"], starts_at=fields["starts_at"] or moment,
                       ends_at=fields["ends_at"], created_at=moment, share_title=fields["share_title"],
                       share_image_url=fields["share_image_url"], GSI1PK=CardSet.list_partition(shop_id),
                       GSI1SK=end_sort_key(fields["ends_at"], set_id), **{name: fields[name] for name in SETTINGS})

    def build() -> Transaction:
        tx = Transaction()
        tx.put("card_set", card_set, CardSet.PK.does_not_exist())
        if fields["prize_stock"] is not None:
            tx.put("prize", CardPrizeStock(*CardPrizeStock.key(shop_id, set_id), remaining=fields["prize_stock"],
                                           redeemed=0))
        return tx

    run_transaction(build)
    business_event("CardSetCreated", shop_id=shop_id, set_id=set_id)
    return {"id": set_id}


def _prize_stock(shop_id: str, set_id: str) -> Optional[CardPrizeStock]:
    try:
        return CardPrizeStock.get(*CardPrizeStock.key(shop_id, set_id), consistent_read=True)
    except DoesNotExist:
        return None


def set_view(card_set: CardSet, moment: int, stock: Optional[CardPrizeStock] = None) -> Dict[str, Any]:
    """A card set as shown (each kind's chance is public)."""
    chances = rules.chances(core.kinds_of(card_set))
    return {"id": card_set.set_id, "name": card_set.name, "description": card_set.description,
            "starts_at": int(card_set.starts_at), "ends_at": int(card_set.ends_at),
            "status": core.status(card_set, moment),
            "kinds": [{"kind_id": k["kind_id"], "name": k["name"], "weight": int(k["weight"]),
                       "chance_percent": round(chances[k["kind_id"]] * 100, 4), "image_url": k.get("image_url")}
                      for k in card_set.kinds],
            "prize": card_set.prize,
            "prize_stock": None if card_set.prize_stock is None else int(card_set.prize_stock),
            "prize_remaining": int(stock.remaining) if stock is not None else None,
            "redeemed": int(stock.redeemed or 0) if stock is not None else None,
            **{name: int(getattr(card_set, name) or 0) for name in SETTINGS}}


def get_card_set(shop_id: str, set_id: str) -> Dict[str, Any]:
    """One card set, with the prizes left when it has a prize stock."""
    card_set = core.load(shop_id, set_id)
    return set_view(card_set, now(), _prize_stock(shop_id, set_id) if card_set.prize_stock is not None else None)


def list_card_sets(shop_id: str, limit: int, cursor: Optional[str], for_merchant: bool = False) -> Dict[str, Any]:
    """Merchant: every set, latest end first. Shoppers: those not ended, ending soonest first."""
    moment = now()
    if for_merchant:
        page = CardSet.gsi1.query(CardSet.list_partition(shop_id), scan_index_forward=False, limit=limit,
                                  last_evaluated_key=decode_cursor(shop_id, cursor))
    else:
        page = CardSet.gsi1.query(CardSet.list_partition(shop_id), CardSet.GSI1SK > end_sort_key(moment, "~"),
                                  limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    return {"items": [set_view(item, moment) for item in page],
            "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def end_card_set(shop_id: str, set_id: str) -> Dict[str, Any]:
    """End a card set now (no more draws, gifts or redemptions)."""
    card_set, moment = core.load(shop_id, set_id, consistent=True), now()
    try:
        update_if("card_set", CardSet(card_set.PK, card_set.SK),
                  [CardSet.ends_at.set(moment), CardSet.ended_early_at.set(moment),
                   CardSet.GSI1SK.set(end_sort_key(moment, set_id))], CardSet.ends_at > moment)
    except ConditionFailed as exc:
        raise Conflict("card_set_ended", "This card set has already ended.") from exc
    return get_card_set(shop_id, set_id)


def _check_active(card_set: CardSet) -> None:
    state = core.status(card_set, now())
    if state != core.ACTIVE:
        raise Conflict(f"card_set_{state}", {"upcoming": "This card collecting has not started yet.",
                                             "ended": "This card collecting has ended."}[state])


def _active(shop_id: str, set_id: str) -> CardSet:
    card_set = core.load(shop_id, set_id)
    _check_active(card_set)
    return card_set


def album_view(card_set: CardSet, user_id: str, album: Optional[CardAlbum]) -> Dict[str, Any]:
    """An album: a count per kind, draws, what is missing and what could be given away."""
    ids = core.kind_ids(card_set)
    held = core.cards_of(album)
    return {"set_id": card_set.set_id, "user_id": user_id, "cards": {k: int(held.get(k, 0)) for k in ids},
            **{name: int(getattr(album, name) or 0) if album else 0
               for name in ("draws", "draws_earned", "draws_used", "assists")},
            "complete": rules.complete(held, ids), "missing": rules.missing(held, ids),
            "duplicates": rules.duplicates(held, ids), "redeemed": bool(album and album.redeemed_at),
            "redeemed_at": iso(int(album.redeemed_at)) if album and album.redeemed_at else None}


def album(shop_id: str, set_id: str, owner_id: str) -> Dict[str, Any]:
    """A shopper's album (friends open it from a share to assist); 404 before the owner joined."""
    card_set = core.load(shop_id, set_id)
    found = core.get_album(shop_id, set_id, owner_id) if is_id(owner_id) else None
    if found is None:
        raise not_found("album", owner_id)
    return album_view(card_set, owner_id, found)


def my_album(shop_id: str, set_id: str, user_id: str) -> Dict[str, Any]:
    """The caller's album (empty before they joined)."""
    card_set = core.load(shop_id, set_id)
    return album_view(card_set, user_id, core.get_album(shop_id, set_id, user_id))


def _is_new(shop_id: str, user_id: str, card_set: CardSet) -> bool:
    return common.is_new_since(common.profile(shop_id, user_id), int(card_set.starts_at))


def join(shop_id: str, set_id: str, user_id: str) -> Dict[str, Any]:
    """Join: the album, the welcome draws once, and the shopper counted as a participant."""
    card_set = _active(shop_id, set_id)
    amount = int(card_set.initial_draws or 0)
    core.ensure_album(card_set, user_id)
    partition = album_pk(shop_id, set_id, user_id)

    def layout(tx: Transaction) -> None:
        tx.put("earn", PlayEarning(*PlayEarning.key(partition, "join"), cause="join", amount=amount, at=now()),
               PlayEarning.PK.does_not_exist())
        core.add_draws(shop_id, set_id, user_id, amount)(tx)

    try:
        common.commit_counted(layout, shop_id, core.KIND, set_id, user_id, _is_new(shop_id, user_id, card_set))
    except ConditionFailed as exc:
        if exc.label != "earn":
            raise
    return album_view(card_set, user_id, core.get_album(shop_id, set_id, user_id))


def draw(shop_id: str, set_id: str, user_id: str, key: Optional[str] = None,
         rng: Optional[random.Random] = None) -> Dict[str, Any]:
    """Spend one draw on a card (the kind picked by rarity); 409 `no_draws` without one. Reads are one
    BatchGet (set, album, profile, participation), writes one transaction."""
    if not is_id(set_id):
        raise not_found("card_set", set_id)
    set_key, album_key = CardSet.key(shop_id, set_id), CardAlbum.key(shop_id, set_id, user_id)
    seen = common.read(shop_id, core.KIND, set_id, user_id, set_key, album_key)
    card_set = seen.items.get(set_key)
    if card_set is None:
        raise not_found("card_set", set_id)
    _check_active(card_set)
    draw_id = derived_id("card_draw", shop_id, set_id, user_id, key) if key else new_id()
    names = {k["kind_id"]: k["name"] for k in card_set.kinds}
    if key:
        replay = _find_draw(shop_id, set_id, user_id, draw_id)
        if replay is not None:
            return _draw_view(replay, names, core.get_album(shop_id, set_id, user_id), replayed=True)
    held = seen.items.get(album_key)
    if held is None or int(held.draws or 0) < 1:
        raise _no_draws()
    kind_id = rules.pick(core.kinds_of(card_set), rng or rules.system_rng())
    record = CardDraw(*CardDraw.key(shop_id, set_id, user_id, draw_id), draw_id=draw_id, kind_id=kind_id, at=now())

    def layout(tx: Transaction) -> None:
        tx.put("draw", record, CardDraw.PK.does_not_exist())
        tx.update("album", CardAlbum(*album_key),
                  [CardAlbum.draws.add(-1), CardAlbum.draws_used.add(1), CardAlbum.cards[kind_id].add(1)],
                  condition=CardAlbum.draws >= 1)

    try:
        common.commit_counted(layout, shop_id, core.KIND, set_id, user_id,
                              common.is_new_since(seen.profile, int(card_set.starts_at)), seen.participated)
    except ConditionFailed as exc:
        if exc.label == "album":
            raise _no_draws() from exc
        if exc.label == "draw":
            return _draw_view(_find_draw(shop_id, set_id, user_id, draw_id), names,
                              core.get_album(shop_id, set_id, user_id), replayed=True)
        raise
    business_event("CardDrawn", shop_id=shop_id, set_id=set_id)
    return dict(_draw_view(record, names, None), draws_left=max(0, int(held.draws) - 1))


def _no_draws() -> Conflict:
    return Conflict("no_draws", "You have no draws left; ask friends to help, share or order.")


def _find_draw(shop_id: str, set_id: str, user_id: str, draw_id: str) -> Optional[CardDraw]:
    try:
        return CardDraw.get(*CardDraw.key(shop_id, set_id, user_id, draw_id), consistent_read=True)
    except DoesNotExist:
        return None


def _draw_view(record: CardDraw, names: Dict[str, str], album: Optional[CardAlbum],
               replayed: bool = False) -> Dict[str, Any]:
    return {"draw_id": record.draw_id, "kind_id": record.kind_id, "name": names.get(record.kind_id, ""),
            "draws_left": int(album.draws or 0) if album else 0, "replayed": replayed}


def assist(shop_id: str, set_id: str, owner_id: str, helper_id: str) -> Dict[str, Any]:
    """A friend helps an album once: its owner earns draws (for the first `assists_cap` friends)."""
    card_set = _active(shop_id, set_id)
    if owner_id == helper_id:
        raise Conflict("own_album", "Share your album with friends; you cannot help yourself.")
    if not is_id(owner_id) or core.get_album(shop_id, set_id, owner_id) is None:
        raise not_found("album", owner_id)
    is_new = _is_new(shop_id, helper_id, card_set)
    amount = int(card_set.assist_draws or 0)
    marker = CardAssist(*CardAssist.key(shop_id, set_id, owner_id, helper_id), helper_id=helper_id,
                        is_new=int(is_new), at=now())

    def layout(tx: Transaction) -> None:
        tx.put("assist", marker, CardAssist.PK.does_not_exist())
        tx.update("album", CardAlbum(*CardAlbum.key(shop_id, set_id, owner_id)),
                  [CardAlbum.draws.add(amount), CardAlbum.draws_earned.add(amount), CardAlbum.assists.add(1)],
                  condition=CardAlbum.PK.exists() & (CardAlbum.assists < int(card_set.assists_cap or 0)))

    try:
        common.commit_counted(layout, shop_id, core.KIND, set_id, helper_id, is_new)
    except ConditionFailed as exc:
        if exc.label == "assist":
            raise Conflict("already_assisted", "You already helped this album.") from exc
        if exc.label == "album":
            raise Conflict("assist_limit_reached", "This album has all the help it can get.") from exc
        raise
    business_event("CardAssisted", shop_id=shop_id, set_id=set_id, is_new=int(is_new))
    return {"owner_id": owner_id, "draws_given": amount, "is_new": is_new}


def _gift_status(gift: CardGift, moment: int) -> str:
    return EXPIRED if gift.status == OPEN and moment >= int(gift.expires_at) else gift.status


def gift_view(gift: CardGift) -> Dict[str, Any]:
    """A gift as giver and friend see it."""
    return {"id": gift.gift_id, "set_id": gift.set_id, "kind_id": gift.kind_id, "giver_id": gift.giver_id,
            "receiver_id": gift.receiver_id, "status": _gift_status(gift, now()), "expires_at": int(gift.expires_at),
            "path": f"/pages/cards/gift?id={gift.gift_id}"}


def give(shop_id: str, set_id: str, giver_id: str, kind_id: str) -> Dict[str, Any]:
    """Give one duplicate card: it leaves the album now and waits for one friend to claim it."""
    card_set = _active(shop_id, set_id)
    if kind_id not in core.kind_ids(card_set):
        raise validation_error("kind_id", "no such card kind in this set")
    moment, gift_id = now(), new_id()
    gift = CardGift(*CardGift.key(shop_id, gift_id), gift_id=gift_id, set_id=set_id, kind_id=kind_id,
                    giver_id=giver_id, status=OPEN, created_at=moment,
                    expires_at=moment + int(card_set.gift_hours or 24) * 3600)

    def build() -> Transaction:
        tx = Transaction()
        tx.put("gift", gift, CardGift.PK.does_not_exist())
        tx.update("album", CardAlbum(*CardAlbum.key(shop_id, set_id, giver_id)), [CardAlbum.cards[kind_id].add(-1)],
                  condition=CardAlbum.cards[kind_id] >= 2)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == "album":
            raise Conflict("no_duplicate", "You can only give a card you have more than one of.") from exc
        raise
    business_event("CardGiven", shop_id=shop_id, set_id=set_id)
    return gift_view(gift)


def _load_gift(shop_id: str, gift_id: str) -> CardGift:
    if not is_id(gift_id):
        raise not_found("card_gift", gift_id)
    try:
        return CardGift.get(*CardGift.key(shop_id, gift_id), consistent_read=True)
    except DoesNotExist as exc:
        raise not_found("card_gift", gift_id) from exc


def get_gift(shop_id: str, gift_id: str) -> Dict[str, Any]:
    """A gift (any shopper of the shop may open a shared one)."""
    return gift_view(_load_gift(shop_id, gift_id))


def claim(shop_id: str, gift_id: str, receiver_id: str) -> Dict[str, Any]:
    """A friend claims a gift: once, before it expires, never the giver."""
    gift = _load_gift(shop_id, gift_id)
    if gift.giver_id == receiver_id:
        raise Conflict("own_gift", "This is your own gift; send it to a friend.")
    card_set = _active(shop_id, gift.set_id)
    core.ensure_album(card_set, receiver_id)
    moment = now()

    def layout(tx: Transaction) -> None:
        tx.update("gift", CardGift(gift.PK, gift.SK),
                  [CardGift.status.set(CLAIMED), CardGift.receiver_id.set(receiver_id),
                   CardGift.decided_at.set(moment)],
                  condition=(CardGift.status == OPEN) & (CardGift.expires_at > moment))
        tx.update("album", CardAlbum(*CardAlbum.key(shop_id, gift.set_id, receiver_id)),
                  [CardAlbum.cards[gift.kind_id].add(1)], condition=CardAlbum.PK.exists())

    try:
        common.commit_counted(layout, shop_id, core.KIND, gift.set_id, receiver_id,
                              _is_new(shop_id, receiver_id, card_set))
    except ConditionFailed as exc:
        if exc.label == "gift":
            raise Conflict("gift_unavailable", "This card was already claimed, taken back or has expired.") from exc
        raise
    business_event("CardGiftClaimed", shop_id=shop_id, set_id=gift.set_id)
    return gift_view(_load_gift(shop_id, gift_id))


def cancel_gift(shop_id: str, gift_id: str, giver_id: str) -> Dict[str, Any]:
    """The giver takes back an unclaimed (or expired) gift; the card returns to their album."""
    gift = _load_gift(shop_id, gift_id)
    if gift.giver_id != giver_id:
        raise not_found("card_gift", gift_id)
    moment = now()

    def build() -> Transaction:
        tx = Transaction()
        tx.update("gift", CardGift(gift.PK, gift.SK), [CardGift.status.set(CANCELLED), CardGift.decided_at.set(moment)],
                  condition=(CardGift.status == OPEN) & (CardGift.giver_id == giver_id))
        tx.update("album", CardAlbum(*CardAlbum.key(shop_id, gift.set_id, giver_id)),
                  [CardAlbum.cards[gift.kind_id].add(1)], condition=CardAlbum.PK.exists())
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == "gift":
            raise Conflict("gift_unavailable", "This card was already claimed or taken back.") from exc
        raise
    return gift_view(_load_gift(shop_id, gift_id))


def redemption_view(item: CardRedemption) -> Dict[str, Any]:
    """A redemption."""
    return {"set_id": item.set_id, "user_id": item.user_id, "prize": item.prize, "granted": item.granted,
            "at": iso(int(item.at))}


def redeem(shop_id: str, set_id: str, user_id: str) -> Dict[str, Any]:
    """Redeem a full set for the prize — once per shopper, and never beyond the prize stock."""
    card_set = _active(shop_id, set_id)
    ids, moment = core.kind_ids(card_set), now()
    redemption = CardRedemption(*CardRedemption.key(shop_id, set_id, user_id), set_id=set_id, user_id=user_id,
                                prize=card_set.prize, at=moment, GSI2PK=CardRedemption.list_partition(shop_id, set_id),
                                GSI2SK=f"{moment:010d}#{user_id}")
    held = CardAlbum.redeemed_at.does_not_exist()
    for kind_id in ids:
        held = held & (CardAlbum.cards[kind_id] >= 1)

    def build() -> Transaction:
        tx = Transaction()
        tx.put("redemption", redemption, CardRedemption.PK.does_not_exist())
        tx.update("album", CardAlbum(*CardAlbum.key(shop_id, set_id, user_id)),
                  [CardAlbum.cards[k].add(-1) for k in ids] + [CardAlbum.redeemed_at.set(moment)], condition=held)
        if card_set.prize_stock is not None:
            tx.update("prize", CardPrizeStock(*CardPrizeStock.key(shop_id, set_id)),
                      [CardPrizeStock.remaining.add(-1), CardPrizeStock.redeemed.add(1)],
                      condition=CardPrizeStock.remaining >= 1)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == "redemption":
            raise Conflict("already_redeemed", "You have already redeemed this set.") from exc
        if exc.label == "album":
            current = core.get_album(shop_id, set_id, user_id)
            if current is not None and current.redeemed_at:
                raise Conflict("already_redeemed", "You have already redeemed this set.") from exc
            raise Conflict("set_incomplete", "Collect every card first.",
                           missing=rules.missing(core.cards_of(current), ids)) from exc
        if exc.label == "prize":
            raise Conflict("prize_sold_out", "All the prizes of this set have been redeemed.") from exc
        raise
    business_event("CardSetRedeemed", shop_id=shop_id, set_id=set_id)
    redemption.granted = core.grant_redemption(shop_id, set_id, user_id)
    return redemption_view(redemption)


def redemptions(shop_id: str, set_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """A set's redemptions, newest first (merchant)."""
    core.load(shop_id, set_id)
    page = CardRedemption.gsi2.query(CardRedemption.list_partition(shop_id, set_id), scan_index_forward=False,
                                     limit=limit, last_evaluated_key=decode_cursor(shop_id, cursor))
    return {"items": [redemption_view(r) for r in page], "next_cursor": encode_cursor(shop_id, page.last_evaluated_key)}


def share(shop_id: str, set_id: str, user_id: str, share_id: str) -> Dict[str, Any]:
    """A reported share: draws once per share id, up to the daily cap; counted in the campaign's shares."""
    card_set = _active(shop_id, set_id)
    amount, cap = int(card_set.share_draws or 0), int(card_set.share_daily_cap or 0)
    if amount > 0 and cap > 0:
        outcome = core.earn(shop_id, card_set, user_id, f"share:{share_id}", amount, daily_cap=cap)
    else:
        outcome = common.earn_once(album_pk(shop_id, set_id, user_id), f"share:{share_id}", 0, lambda tx: None)
    if outcome != common.DUPLICATE:
        analytics.record_share(shop_id, core.KIND, set_id)
    found = core.get_album(shop_id, set_id, user_id)
    return {"share_id": share_id, "credited": amount if outcome == common.EARNED else 0,
            "capped": outcome == common.CAPPED, "duplicate": outcome == common.DUPLICATE,
            "draws": int(found.draws or 0) if found else 0}


def share_payload(shop_id: str, set_id: str, user_id: str) -> Dict[str, Any]:
    """The set's share card: friends open the sharer's album to help."""
    card_set = core.load(shop_id, set_id)
    return {"title": card_set.share_title or card_set.name, "image_url": card_set.share_image_url,
            "path": f"/pages/cards/index?set={set_id}&owner={user_id}", "campaign_kind": core.KIND,
            "campaign_id": set_id}
