"""Data migrations: idempotent rewrites of stored items after a key layout changed, run once per table.

A migration scans the table a page at a time (a maintenance read, never on a request path), rewrites
only the items still in the old layout — each on condition that the old value is still there, so a
concurrent writer always wins — and records itself as done in `PLATFORM#MIGRATIONS / <name>`.
Running one twice, or two runners at once, writes each item at most once.
"""
from typing import Any, Callable, Dict, Iterable, List, Tuple

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import now
from crowdcart.db.connection import Entity
from crowdcart.db.models.groups import Group, GroupMember
from crowdcart.db.models.orders import AfterSale, Order
from crowdcart.db.writes import ConditionFailed, update_if
from crowdcart.observability import logger

PAGE_SIZE = 100


class MigrationDone(Entity, discriminator="migration"):
    """The record that one migration ran over the whole table."""

    name = UnicodeAttribute()
    rewritten = NumberAttribute()
    finished_at = NumberAttribute()

    @classmethod
    def key(cls, name: str) -> Tuple[str, str]:
        """(PK, SK) of a migration's record."""
        return "PLATFORM#MIGRATIONS", name


def _order_keys(order: Order) -> Dict[str, str]:
    sort = Order.list_sort(order.created_at, order.order_id)
    return {"GSI1SK": sort, "GSI2SK": sort, "GSI3SK": sort}


def _after_sale_keys(item: AfterSale) -> Dict[str, str]:
    sort = AfterSale.list_sort(item.created_at, item.after_sale_id)
    return {"GSI1SK": sort, "GSI2SK": sort}


def _group_keys(group: Group) -> Dict[str, str]:
    return {"GSI2SK": Group.activity_sort(group.opened_at, group.group_id)}


def _member_keys(member: GroupMember) -> Dict[str, str]:
    return {"GSI2SK": GroupMember.user_sort(member.joined_at, member.group_id)} if member.GSI2SK else {}


# model → the sort keys its list indexes should carry now
LIST_SORT_KEYS: List[Tuple[Any, Callable[[Any], Dict[str, str]]]] = [
    (Order, _order_keys), (AfterSale, _after_sale_keys), (Group, _group_keys), (GroupMember, _member_keys)]


def _rewrite(item: Any, wanted: Dict[str, str]) -> bool:
    """Set the index sort keys that differ, on condition that each still holds its old value."""
    cls = type(item)
    stale = {name: value for name, value in wanted.items() if getattr(item, name) != value}
    if not stale:
        return False
    condition = None
    for name in stale:
        old = getattr(cls, name) == getattr(item, name)
        condition = old if condition is None else condition & old
    try:
        update_if("migration", item, [getattr(cls, name).set(value) for name, value in stale.items()], condition)
    except ConditionFailed:
        return False  # changed meanwhile by a writer that already uses the new layout
    return True


def list_sort_keys_by_time() -> int:
    """Order, refund-request and group lists sorted by a derived (hashed) id: re-key them by time."""
    rewritten = 0
    for model, wanted in LIST_SORT_KEYS:
        for item in model.scan(page_size=PAGE_SIZE):
            rewritten += _rewrite(item, wanted(item))
    return rewritten


MIGRATIONS: Iterable[Tuple[str, Callable[[], int]]] = (("2026-12-list-sort-keys-by-time", list_sort_keys_by_time),)


def run_pending() -> Dict[str, int]:
    """Run every migration this table has not recorded yet; returns {name: items rewritten}."""
    ran: Dict[str, int] = {}
    for name, migrate in MIGRATIONS:
        try:
            MigrationDone.get(*MigrationDone.key(name), consistent_read=True)
            continue
        except DoesNotExist:
            pass
        ran[name] = migrate()
        MigrationDone(*MigrationDone.key(name), name=name, rewritten=ran[name], finished_at=now()).save()
        logger.info("migration finished", extra={"migration": name, "rewritten": ran[name]})
    return ran
