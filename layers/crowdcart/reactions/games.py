"""Lottery entries and card draws earned from the stream, and prizes made sure of.

- an order gets `paid_at` (paid) → entries / draws in every running lottery / card set that gives
  them for orders (`order:<id>`, once);
- a check-in (the points capability's `check_in_state` item gets a new `last_date`) → entries in
  every running lottery that gives them for check-ins (`check_in:<date>`, once);
- a winning `lottery_draw` or a `card_redemption` is created without its grant recorded → the prize
  is issued (by cause, so the request that already issued it and this reaction issue one prize).
"""
from typing import Any, Dict, Optional

from crowdcart.clock import now
from crowdcart.plays import cards, lottery
from crowdcart.reactions.stream import on

Image = Optional[Dict[str, Any]]


def _user_of(key: str) -> Optional[str]:
    """The user id inside a key `SHOP#<s>#USER#<u>#…`."""
    parts = key.split("#")
    return parts[3] if len(parts) > 3 and parts[0] == "SHOP" and parts[2] == "USER" else None


@on("order")
def order_entries(old: Image, new: Image, at: int) -> None:
    """Entries and draws for a paid order."""
    if not new or not new.get("paid_at") or (old or {}).get("paid_at"):
        return
    shop_id, user_id, order_id = new["shop_id"], new["user_id"], new["order_id"]
    paid, moment = int(new.get("payable_fen") or 0), int(new.get("paid_at") or at)
    lottery.earn_for_order(shop_id, user_id, order_id, paid, moment)
    cards.earn_for_order(shop_id, user_id, order_id, paid, moment)


@on("check_in_state")
def check_in_entries(old: Image, new: Image, at: int) -> None:
    """Entries for a check-in."""
    if not new or not new.get("last_date") or new.get("last_date") == (old or {}).get("last_date"):
        return
    key = str(new.get("PK") or "")
    user_id = _user_of(key)
    if user_id is None:
        return
    lottery.earn_for_check_in(key.split("#")[1], user_id, new["last_date"], at or now())


@on("lottery_draw")
def lottery_prize(old: Image, new: Image, at: int) -> None:
    """Issue a winning draw's prize if the request did not get to it."""
    if old is not None or not new or new.get("prize_kind") in (None, "thanks") or new.get("granted_at"):
        return
    shop_id = str(new["PK"]).split("#")[1]
    lottery.grant_draw(shop_id, new["lottery_id"], new["user_id"], new["draw_id"])


@on("card_redemption")
def card_prize(old: Image, new: Image, at: int) -> None:
    """Issue a redeemed set's prize if the request did not get to it."""
    if old is not None or not new or new.get("granted_at"):
        return
    shop_id = str(new["PK"]).split("#")[1]
    cards.grant_redemption(shop_id, new["set_id"], new["user_id"])
