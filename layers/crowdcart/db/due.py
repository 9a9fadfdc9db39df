"""The DUE index: items with a deadline, found by sweepers across shops (keys only)."""
from typing import Iterator, List, Tuple

from crowdcart.db.connection import Entity

PAY_TIMEOUT = "DUE#pay_timeout"
AUTO_RECEIVE = "DUE#auto_receive"
AUTO_COMPLETE = "DUE#auto_complete"


def due_sort_key(deadline: int, shop_id: str, object_id: str) -> str:
    """DUESK: the deadline first, so a range query finds everything due by now."""
    return f"{deadline:010d}#{shop_id}#{object_id}"


def due_keys(kind: str, moment: int, limit: int = 100) -> List[Tuple[str, str]]:
    """(PK, SK) of up to `limit` items of `kind` whose deadline is at or before `moment`."""
    found: Iterator[Entity] = Entity.due.query(kind, Entity.DUESK <= f"{moment:010d}~", limit=limit)
    return [(item.PK, item.SK) for item in found]
