"""Group-buy rules (pure): activity terms, deadlines, what the timer does next, the verifiable lottery draw."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crowdcart.domain import groups as rules

NOW = 1_800_000_000
SEED = "ab" * 32


def test_terms_accept_a_normal_activity_and_default_the_start():
    terms = rules.terms(list_price_fen=1000, group_price_fen=600, group_size=3, duration_seconds=3600,
                        kind="normal", now=NOW)
    assert terms.starts_at == NOW and terms.ends_at is None and terms.winners == 0 and terms.per_user_limit == 1


@pytest.mark.parametrize("change, field", [
    ({"group_price_fen": 1001}, "group_price_fen"), ({"group_price_fen": 0}, "group_price_fen"),
    ({"group_size": 1}, "group_size"), ({"group_size": 51}, "group_size"),
    ({"duration_seconds": 0}, "duration_seconds"), ({"kind": "flash"}, "kind"),
    ({"ends_at": NOW}, "ends_at"), ({"starts_at": NOW + 100, "ends_at": NOW + 50}, "ends_at"),
    ({"kind": "lottery", "winners": 1}, "ends_at"),
    ({"kind": "lottery", "ends_at": NOW + 60}, "winners"),
    ({"kind": "lottery", "ends_at": NOW + 60, "winners": 3}, "winners"),
    ({"winners": 1}, "winners"), ({"per_user_limit": 0}, "per_user_limit"),
])
def test_terms_name_the_offending_field(change, field):
    args = dict(list_price_fen=1000, group_price_fen=600, group_size=3, duration_seconds=3600, kind="normal", now=NOW)
    args.update(change)
    with pytest.raises(rules.GroupRuleError) as caught:
        rules.terms(**args)
    assert caught.value.field == field


def test_a_group_never_outlives_its_activity():
    assert rules.group_deadline(NOW, 600, None) == NOW + 600
    assert rules.group_deadline(NOW, 600, NOW + 60) == NOW + 60
    assert rules.window_open(NOW, NOW + 60, NOW) and not rules.window_open(NOW, NOW + 60, NOW + 60)
    assert not rules.window_open(NOW + 1, None, NOW)


def test_seats_and_forming():
    assert rules.seats_left(3, 1) == 2 and rules.seats_left(3, 4) == 0
    assert rules.forms(2, 3) and not rules.forms(1, 3)


@pytest.mark.parametrize("status, kind, now, drawn, settled, step", [
    ("open", "normal", NOW - 1, False, False, rules.WAIT),
    ("open", "normal", NOW, False, False, rules.FAIL),
    ("failed", "normal", NOW, False, False, rules.REFUND),
    ("failed", "normal", NOW, False, True, rules.DONE),
    ("formed", "normal", NOW, False, False, rules.DONE),
    ("formed", "lottery", NOW, False, False, rules.DRAW),
    ("formed", "lottery", NOW, True, False, rules.REFUND),
    ("formed", "lottery", NOW, True, True, rules.DONE),
])
def test_next_step(status, kind, now, drawn, settled, step):
    assert rules.next_step(status, kind, now, NOW, drawn, settled) == step


def test_the_draw_is_reproducible_and_verifiable():
    members = ["U3", "U1", "U2", "U4"]
    record = rules.draw_record(SEED, "G1", members, 2, NOW)
    assert record["seed_hash"] == rules.commitment(SEED) and record["members"] == sorted(members)
    assert record["winners"] == rules.draw(SEED, "G1", reversed(members), 2)  # order of input does not matter
    assert rules.verify(record)
    for tampered in (dict(record, winners=[m for m in sorted(members) if m not in record["winners"]][:2]),
                     dict(record, seed="cd" * 32), dict(record, members=members[:3])):
        assert not rules.verify(tampered)
    assert not rules.verify({"seed": "zz"})


@given(st.lists(st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=26, max_size=26),
                min_size=2, max_size=50, unique=True), st.integers(min_value=1, max_value=49),
       st.binary(min_size=32, max_size=32))
def test_draw_picks_distinct_members_and_its_record_verifies(members, winners, seed):
    winners = min(winners, len(members) - 1)
    picked = rules.draw(seed.hex(), "GROUP", members, winners)
    assert len(picked) == len(set(picked)) == winners and set(picked) <= set(members)
    assert rules.verify(rules.draw_record(seed.hex(), "GROUP", members, winners, NOW))
