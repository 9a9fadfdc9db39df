"""Member levels, points earning and reversal, check-in streaks and birthday windows (pure)."""
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from crowdcart.domain import members as m
from crowdcart.domain.shop_settings import ShopSettings

LEVELS = m.levels_from([
    {"level": 1, "name": "Silver", "min_spent_fen": 10000, "discount_percent": 2, "points_multiplier_percent": 120,
     "coupon_template_ids": ["T1"]},
    {"level": 2, "name": "Gold", "min_spent_fen": 50000, "discount_percent": 5, "points_multiplier_percent": 150},
    {"level": 3, "name": "Diamond", "min_spent_fen": 200000, "discount_percent": 10, "points_multiplier_percent": 200},
])


def test_level_is_the_highest_reached():
    assert m.level_for(0, LEVELS) == m.BASE
    assert m.level_for(9999, LEVELS).level == 0
    assert m.level_for(10000, LEVELS).level == 1
    assert m.level_for(199999, LEVELS).name == "Gold"
    assert m.level_for(10**9, LEVELS).level == 3
    assert m.level_for(10**6, ()) == m.BASE


def test_next_level_and_gap():
    assert m.next_level(0, LEVELS).level == 1
    assert m.next_level(60000, LEVELS).level == 3
    assert m.next_level(200000, LEVELS) is None


def test_levels_gained_counts_every_level_passed_and_none_going_down():
    assert [lv.level for lv in m.levels_gained(0, 3, LEVELS)] == [1, 2, 3]
    assert [lv.level for lv in m.levels_gained(1, 2, LEVELS)] == [2]
    assert m.levels_gained(3, 1, LEVELS) == ()


def test_levels_from_settings_models():
    settings = ShopSettings(member_levels=[{"level": 1, "name": "Silver", "min_spent_fen": 100}])
    (silver,) = m.levels_from(settings.member_levels)
    assert silver.points_multiplier_percent == 100 and silver.discount_percent == 0


def test_settings_refuse_levels_out_of_order():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        ShopSettings(member_levels=[{"level": 1, "name": "a", "min_spent_fen": 100},
                                    {"level": 2, "name": "b", "min_spent_fen": 100}])
    with pytest.raises(ValidationError):
        ShopSettings(member_levels=[{"level": 2, "name": "a", "min_spent_fen": 100}])


def test_earned_points_round_down_to_whole_points():
    assert m.earned_points(12345, 1) == 123  # 123.45 yuan → 123 points
    assert m.earned_points(12345, 1, 150) == 185  # 185.175
    assert m.earned_points(99, 1) == 0
    assert m.earned_points(-5, 1) == 0 and m.earned_points(100, 0) == 0


def test_reversal_takes_back_what_the_refunded_fen_earned():
    # paid 100.00 yuan, 1 point per yuan: 100 points; refund 30.00 → 30 points back
    assert m.points_reversal(10000, 0, 0, 3000, 1, 100) == 30
    # refunds before the credit were netted out already: only the part after it counts
    assert m.points_reversal(10000, 3000, 0, 3000, 1, 100) == 0
    assert m.points_reversal(10000, 3000, 0, 5000, 1, 100) == 20
    assert m.spend_reversal(3000, 0, 5000) == 2000 and m.spend_reversal(3000, 1000, 2000) == 0


@given(st.integers(1, 10**7), st.integers(0, 5), st.sampled_from([100, 120, 150, 200]),
       st.lists(st.integers(1, 10**6), max_size=6), st.integers(0, 10**6))
def test_reversals_never_exceed_the_credit_and_add_up(payable, ppy, mult, steps, refunded_at_credit):
    refunded_at_credit = min(refunded_at_credit, payable)
    credited = m.earned_points(payable - refunded_at_credit, ppy, mult)
    refunded, taken = 0, 0
    for step in steps:
        after = min(payable, refunded + step)
        taken += m.points_reversal(payable, refunded_at_credit, refunded, after, ppy, mult)
        refunded = after
    assert 0 <= taken <= credited
    assert credited - taken == m.earned_points(payable - max(refunded, refunded_at_credit), ppy, mult)


def test_streaks_continue_on_consecutive_days_only():
    assert m.streak_after(None, 0, "2024-03-01") == 1
    assert m.streak_after("2024-02-29", 6, "2024-03-01") == 7
    assert m.streak_after("2024-02-27", 6, "2024-03-01") == 1
    assert m.streak_after("2023-12-31", 3, "2024-01-01") == 4


def test_check_in_award_adds_the_bonus_every_nth_day():
    assert [m.check_in_award(s, 5, 7, 20) for s in (1, 6, 7, 8, 14)] == [5, 5, 25, 5, 25]


def test_days_are_china_standard_time():
    assert m.local_date(1709222399) == date(2024, 2, 29)  # 2024-02-29 15:59:59 UTC = 23:59:59 CST
    assert m.local_date(1709222400) == date(2024, 3, 1)
    assert m.day_start(date(2024, 3, 1)) == 1709222400


def test_birthdays_and_their_windows():
    leap = date(2000, 2, 29)
    assert m.next_birthday(leap, date(2023, 1, 1)) == date(2023, 2, 28)
    assert m.next_birthday(leap, date(2024, 1, 1)) == date(2024, 2, 29)
    assert m.next_birthday(date(1990, 5, 20), date(2024, 5, 21)) == date(2025, 5, 20)
    assert m.next_birthday(date(1990, 5, 20), date(2024, 5, 20)) == date(2024, 5, 20)
    occurrence = date(2024, 5, 20)
    assert m.birthday_window_opens(occurrence, 3) == m.day_start(date(2024, 5, 17))
    assert [m.in_birthday_window(occurrence, 3, date(2024, 5, d)) for d in (16, 17, 20, 21)] == [False, True, True,
                                                                                                 False]


def test_a_birthday_is_a_real_past_date_since_1900():
    import pytest

    today = date(2024, 3, 1)
    assert m.valid_birthday("2000-02-29", today) == date(2000, 2, 29)
    assert m.valid_birthday("1900-01-01", today) == date(1900, 1, 1)
    assert m.valid_birthday("2024-02-29", today) == date(2024, 2, 29)  # yesterday
    for impossible in ("1990-02-30", "2999-13-45", "1990-04-31", "2023-02-29", "1990-00-10", "19900101",
                       "1990-1-1", "2024-03-01", "2024-03-02", "2999-01-01", "1899-12-31", "", "１９９０-01-01"):
        with pytest.raises(ValueError):
            m.valid_birthday(impossible, today)
