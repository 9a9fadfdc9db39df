"""Member levels, points earning and reversal, check-in streaks and birthday windows (pure, integers only).

- A shopper's level is the highest level whose `min_spent_fen` their cumulative spend reaches
  (spend = paid minus refunded, counted when an order is received). Level 0 is the base level.
- Points for an order: `net_fen × points_per_yuan × multiplier% / 10 000`, rounded down
  (whole points; a fraction of a point is never credited).
- A refund after the points were credited takes back exactly what the refunded fen earned:
  the reversals of all refunds add up to the difference between what was credited and what
  the remaining net would earn, so they never take back more than was credited.
- Dates are calendar dates in the shop's time zone (China Standard Time, UTC+8).
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Optional, Sequence, Tuple

CST = timezone(timedelta(hours=8))
EARLIEST_BIRTHDAY = date(1900, 1, 1)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Level:
    """One member level and its privileges."""

    level: int
    name: str
    min_spent_fen: int
    discount_percent: int = 0
    points_multiplier_percent: int = 100
    coupon_template_ids: Tuple[str, ...] = ()


BASE = Level(0, "member", 0)


def levels_from(definitions: Iterable[Any]) -> Tuple[Level, ...]:
    """Levels from the shop settings (pydantic models or dicts), lowest first, base level excluded."""
    found = []
    for item in definitions or ():
        data: Mapping[str, Any] = item if isinstance(item, Mapping) else item.model_dump()
        found.append(Level(int(data["level"]), str(data["name"]), int(data["min_spent_fen"]),
                           int(data.get("discount_percent", 0)), int(data.get("points_multiplier_percent", 100)),
                           tuple(data.get("coupon_template_ids") or ())))
    return tuple(sorted(found, key=lambda lv: lv.level))


def level_for(spent_fen: int, levels: Sequence[Level]) -> Level:
    """The highest level `spent_fen` reaches (BASE when none)."""
    reached = BASE
    for level in levels:
        if spent_fen >= level.min_spent_fen:
            reached = level
    return reached


def level_numbered(number: int, levels: Sequence[Level]) -> Level:
    """The level with this number (BASE when the shop no longer defines it)."""
    return next((lv for lv in levels if lv.level == number), BASE)


def next_level(spent_fen: int, levels: Sequence[Level]) -> Optional[Level]:
    """The first level above what `spent_fen` reaches, or None at the top."""
    current = level_for(spent_fen, levels)
    return next((lv for lv in levels if lv.level > current.level and lv.min_spent_fen > spent_fen), None)


def levels_gained(old_level: int, new_level: int, levels: Sequence[Level]) -> Tuple[Level, ...]:
    """The levels newly reached when moving from `old_level` to `new_level` (none when going down)."""
    return tuple(lv for lv in levels if old_level < lv.level <= new_level)


def earned_points(net_fen: int, points_per_yuan: int, multiplier_percent: int = 100) -> int:
    """Whole points earned by `net_fen` paid, at `points_per_yuan` and a level multiplier (rounded down)."""
    if net_fen <= 0 or points_per_yuan <= 0:
        return 0
    return net_fen * points_per_yuan * multiplier_percent // 10000


def points_reversal(payable_fen: int, refunded_at_credit: int, refunded_before: int, refunded_after: int,
                    points_per_yuan: int, multiplier_percent: int) -> int:
    """Points to take back when an order's refunds grow from `refunded_before` to `refunded_after`.

    Refunds made before the credit were already netted out of it (`refunded_at_credit`), so only
    the part of this step above that counts; the result is never negative.
    """
    start, end = max(refunded_before, refunded_at_credit), max(refunded_after, refunded_at_credit)
    if end <= start:
        return 0
    return (earned_points(payable_fen - start, points_per_yuan, multiplier_percent)
            - earned_points(payable_fen - end, points_per_yuan, multiplier_percent))


def spend_reversal(refunded_at_credit: int, refunded_before: int, refunded_after: int) -> int:
    """Fen of spend to take back for a refund step (only what was counted at receipt)."""
    return max(0, max(refunded_after, refunded_at_credit) - max(refunded_before, refunded_at_credit))


def streak_after(last_date: Optional[str], last_streak: int, today: str) -> int:
    """The check-in streak after checking in on `today` (consecutive days, else a new streak of 1)."""
    if last_date and parse_date(last_date) + timedelta(days=1) == parse_date(today):
        return last_streak + 1
    return 1


def check_in_award(streak: int, base_points: int, every: int, bonus: int) -> int:
    """Points for a check-in that makes `streak`: the base, plus the bonus on every `every`-th day."""
    return base_points + (bonus if every > 0 and streak % every == 0 else 0)


def parse_date(value: str) -> date:
    """`YYYY-MM-DD` → date (ValueError otherwise)."""
    return date.fromisoformat(value)


def valid_birthday(value: str, today: date) -> date:
    """A birthday as a date: a real `YYYY-MM-DD` calendar day from 1900-01-01 to before `today` (ValueError otherwise)."""
    if not _ISO_DAY.fullmatch(value or ""):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        born = date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("is not a real calendar date") from exc
    if not EARLIEST_BIRTHDAY <= born < today:
        raise ValueError(f"must lie between {EARLIEST_BIRTHDAY.isoformat()} and yesterday")
    return born


def local_date(epoch: int) -> date:
    """The calendar date in China Standard Time at `epoch`."""
    return datetime.fromtimestamp(epoch, tz=CST).date()


def day_start(day: date) -> int:
    """Epoch seconds of 00:00 China Standard Time on `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=CST).timestamp())


def birthday_in(year: int, birthday: date) -> date:
    """The birthday's date in `year` (29 February falls on 28 February in other years)."""
    if birthday.month == 2 and birthday.day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, birthday.month, birthday.day)


def next_birthday(birthday: date, on_or_after: date) -> date:
    """The first birthday on or after `on_or_after`."""
    this_year = birthday_in(on_or_after.year, birthday)
    return this_year if this_year >= on_or_after else birthday_in(on_or_after.year + 1, birthday)


def birthday_window_opens(occurrence: date, days_before: int) -> int:
    """Epoch seconds when the coupon window for this birthday opens (00:00 CST, `days_before` days ahead)."""
    return day_start(occurrence - timedelta(days=days_before))


def in_birthday_window(occurrence: date, days_before: int, today: date) -> bool:
    """True when `today` lies in [birthday − days_before, birthday]."""
    return occurrence - timedelta(days=days_before) <= today <= occurrence
