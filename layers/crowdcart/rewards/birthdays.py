"""Birthday coupons: a shopper's birthday waits on the DUE index until its coupon window opens.

When the birthday is set (once), an entry is put with DUE keys at the moment the window opens
(`birthday_coupon_days_before` days ahead, 00:00 China Standard Time). The daily sweeper issues the
shop's birthday coupon for each due entry — once per birthday year (cause `birthday:<year>`) — and
moves the entry to next year's window. A window missed entirely (sweeper down for days) is skipped.
"""
from datetime import timedelta
from typing import Dict, Optional

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.due import due_keys
from crowdcart.db.models.members import BIRTHDAY_DUE, BirthdayEntry
from crowdcart.db.models.shops import Shop
from crowdcart.db.writes import ConditionFailed, put_unique, update_if
from crowdcart.domain import members as rules
from crowdcart.domain.shop_settings import ShopSettings, effective
from crowdcart.observability import logger
from crowdcart.rewards.coupons import issue_automatically


def schedule(shop_id: str, user_id: str, birthday: str, days_before: int,
             at: Optional[int] = None) -> Optional[BirthdayEntry]:
    """Put the shopper's birthday entry (once); returns it, or None for a date that cannot be read."""
    moment = at or now()
    try:
        born = rules.parse_date(birthday)
    except ValueError:
        logger.warning("unreadable birthday", extra={"shop_id": shop_id, "user_id": user_id})
        return None
    occurrence = rules.next_birthday(born, rules.local_date(moment))
    opens = rules.birthday_window_opens(occurrence, days_before)
    pk, sk = BirthdayEntry.key(shop_id, user_id)
    entry = BirthdayEntry(pk, sk, shop_id=shop_id, user_id=user_id, birthday=birthday,
                          next_occurrence=occurrence.isoformat(), DUEPK=BIRTHDAY_DUE,
                          DUESK=BirthdayEntry.due_sort_key(opens, shop_id, user_id))
    try:
        put_unique("birthday", entry)
    except ConditionFailed:
        return BirthdayEntry.get(pk, sk, consistent_read=True)
    return entry


def process(entry: BirthdayEntry, settings: ShopSettings, at: Optional[int] = None) -> Optional[str]:
    """Issue the coupon if today is in this birthday's window, then move the entry to the next window.

    Returns the coupon id issued (or already issued), else None."""
    moment = at or now()
    today = rules.local_date(moment)
    occurrence = rules.parse_date(entry.next_occurrence)
    days_before = settings.birthday_coupon_days_before
    issued = None
    if today < occurrence - timedelta(days=days_before):  # the shop shortened its window: wait
        _move(entry, occurrence, days_before)
        return None
    if today <= occurrence and settings.birthday_coupon_template_id:
        issued = issue_automatically(entry.shop_id, settings.birthday_coupon_template_id, entry.user_id,
                                     f"birthday:{occurrence.year}")
    following = rules.next_birthday(rules.parse_date(entry.birthday), occurrence + timedelta(days=1))
    _move(entry, following, days_before)
    return issued


def _move(entry: BirthdayEntry, occurrence, days_before: int) -> None:
    opens = rules.birthday_window_opens(occurrence, days_before)
    ref = BirthdayEntry(entry.PK, entry.SK)
    try:
        update_if("birthday", ref, [BirthdayEntry.next_occurrence.set(occurrence.isoformat()),
                                    BirthdayEntry.DUESK.set(BirthdayEntry.due_sort_key(opens, entry.shop_id,
                                                                                      entry.user_id))],
                  BirthdayEntry.next_occurrence == entry.next_occurrence)
    except ConditionFailed:
        pass  # a concurrent sweep moved it already


def sweep(at: Optional[int] = None, limit: int = 100, rounds: int = 50) -> int:
    """Process every birthday entry whose window has opened (pages of `limit`, at most `rounds` pages);
    returns how many were processed."""
    moment = at or now()
    settings: Dict[str, Optional[ShopSettings]] = {}
    done = 0
    for _ in range(rounds):
        due = due_keys(BIRTHDAY_DUE, moment, limit)
        progressed = 0
        for pk, sk in due:
            try:
                entry = BirthdayEntry.get(pk, sk, consistent_read=True)
            except DoesNotExist:
                continue
            if entry.shop_id not in settings:
                settings[entry.shop_id] = shop_settings(entry.shop_id)
            try:
                if settings[entry.shop_id] is None:  # the shop is gone: take the entry off the index
                    update_if("birthday", BirthdayEntry(pk, sk), [BirthdayEntry.DUEPK.remove(),
                                                                  BirthdayEntry.DUESK.remove()])
                else:
                    process(entry, settings[entry.shop_id], moment)
                progressed += 1
            except Exception:  # one broken entry must not stop the sweep; it stays due
                logger.exception("birthday coupon failed", extra={"shop_id": entry.shop_id, "user_id": entry.user_id})
        done += progressed
        if len(due) < limit or not progressed:
            break
    return done


def shop_settings(shop_id: str) -> Optional[ShopSettings]:
    """The shop's effective settings, or None when the shop is gone."""
    try:
        return effective(Shop.get(*Shop.key(shop_id)).settings)
    except DoesNotExist:
        return None
