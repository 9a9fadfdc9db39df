"""The points ledger: every credit and debit is an entry with a unique cause, written with the balance.

One transaction puts the entry (only if its cause is new) and moves the balance (a debit only if the
balance covers it), so a replayed cause changes nothing and the balance never goes below 0. The
entries of a shopper always add up to their balance.
"""
from typing import Any, Dict, List, Optional, Tuple

from pynamodb.exceptions import DoesNotExist

from crowdcart.clock import iso, now
from crowdcart.db.models.points import PointsAccount, PointsEntry, points_pk
from crowdcart.db.writes import ConditionFailed, Transaction, run_transaction
from crowdcart.errors import BadRequest, Conflict
from crowdcart.pagination import decode_cursor, encode_cursor

EARNED, SPENT = "earned", "spent"
ENTRY, BALANCE = "points:entry", "points:balance"
TAKE_BACK_ATTEMPTS = 8


def insufficient(balance: Optional[int] = None) -> Conflict:
    """The 409 for a debit the balance does not cover."""
    extra = {} if balance is None else {"balance": balance}
    return Conflict("insufficient_points", "Not enough points.", **extra)


def entry(shop_id: str, user_id: str, cause: str, points: int, kind: str, at: int,
          data: Optional[Dict[str, Any]] = None) -> PointsEntry:
    """The ledger entry of `cause` (listed newest first on GSI1)."""
    pk, sk = PointsEntry.key(shop_id, user_id, cause)
    return PointsEntry(pk, sk, cause=cause, kind=kind, points=points, created_at=at, data=data,
                       GSI1PK=pk, GSI1SK=f"{at * 1000:013d}#{cause}")


def move_actions(tx: Transaction, shop_id: str, user_id: str, cause: str, points: int, kind: str, at: int,
                 data: Optional[Dict[str, Any]] = None, total: str = EARNED,
                 balance_condition: Optional[Any] = None) -> None:
    """Add the entry and the balance change to `tx` (labels `points:entry`, `points:balance`).

    `points` > 0 credits, < 0 debits (only if the balance covers it). `total` names the lifetime total
    the move belongs to: `earned` (earning, and its reversal) or `spent` (spending, and its return).
    """
    tx.put(ENTRY, entry(shop_id, user_id, cause, points, kind, at, data), PointsEntry.PK.does_not_exist())
    running = PointsAccount.earned_total if total == EARNED else PointsAccount.spent_total
    actions = [PointsAccount.entity.set(PointsAccount), PointsAccount.balance.add(points),
               running.add(points if total == EARNED else -points)]
    condition = balance_condition
    if condition is None and points < 0:
        condition = PointsAccount.balance >= -points
    tx.update(BALANCE, PointsAccount(*PointsAccount.key(shop_id, user_id)), actions, condition=condition)


def move(shop_id: str, user_id: str, cause: str, points: int, kind: str, *, total: str = EARNED,
         data: Optional[Dict[str, Any]] = None, at: Optional[int] = None) -> bool:
    """Credit or debit once per cause; False when this cause was already applied. 409 when short."""
    moment = at or now()

    def build() -> Transaction:
        tx = Transaction()
        move_actions(tx, shop_id, user_id, cause, points, kind, moment, data, total)
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label == ENTRY:
            return False
        if exc.label == BALANCE:
            raise insufficient() from exc
        raise
    return True


def take_back(shop_id: str, user_id: str, cause: str, points: int, kind: str, *,
              data: Optional[Dict[str, Any]] = None, at: Optional[int] = None) -> Optional[int]:
    """Debit up to `points` of earned points once per cause, never below 0; returns what was taken
    (None when the cause was already applied). What the balance could not cover is recorded on the entry."""
    moment = at or now()
    for _ in range(TAKE_BACK_ATTEMPTS):
        held = balance(shop_id, user_id, consistent=True)
        taken = min(points, held)
        detail = dict(data or {}, wanted=points, shortfall=points - taken)
        if taken == points:
            guard = PointsAccount.balance >= taken
        elif held:
            guard = PointsAccount.balance == held
        else:
            guard = PointsAccount.balance.does_not_exist() | (PointsAccount.balance == 0)

        def build() -> Transaction:
            tx = Transaction()
            move_actions(tx, shop_id, user_id, cause, -taken, kind, moment, detail, EARNED, balance_condition=guard)
            return tx

        try:
            run_transaction(build)
            return taken
        except ConditionFailed as exc:
            if exc.label == ENTRY:
                return None
            if exc.label != BALANCE:
                raise
    raise Conflict("busy", "The points balance is changing too fast; retry.")


def get_account(shop_id: str, user_id: str, consistent: bool = False) -> Optional[PointsAccount]:
    """The points account, or None before the first move."""
    try:
        return PointsAccount.get(*PointsAccount.key(shop_id, user_id), consistent_read=consistent)
    except DoesNotExist:
        return None


def balance(shop_id: str, user_id: str, consistent: bool = False) -> int:
    """The current balance (0 without an account)."""
    account = get_account(shop_id, user_id, consistent)
    return int(account.balance or 0) if account else 0


def get_entry(shop_id: str, user_id: str, cause: str) -> Optional[PointsEntry]:
    """The ledger entry of `cause`, read consistently, or None."""
    try:
        return PointsEntry.get(*PointsEntry.key(shop_id, user_id, cause), consistent_read=True)
    except DoesNotExist:
        return None


def cursor_in(shop_id: str, cursor: Optional[str], field: str, partition: str) -> Optional[Dict[str, Any]]:
    """Decode a list cursor and require that it belongs to this list's partition (400 otherwise)."""
    start = decode_cursor(shop_id, cursor)
    if start is not None and (start.get(field) or {}).get("S") != partition:
        raise BadRequest("invalid_cursor", "cursor belongs to another list.")
    return start


def entry_view(item: PointsEntry) -> Dict[str, Any]:
    """A ledger entry as the API shows it."""
    return {"cause": item.cause, "kind": item.kind, "points": int(item.points), "created_at": iso(item.created_at),
            "data": item.data}


def ledger(shop_id: str, user_id: str, limit: int, cursor: Optional[str]) -> Tuple[List[Dict[str, Any]], Optional[str]]:
    """A page of the ledger, newest first, and the next cursor."""
    partition = points_pk(shop_id, user_id)
    page = PointsEntry.gsi1.query(partition, scan_index_forward=False, limit=limit,
                                  last_evaluated_key=cursor_in(shop_id, cursor, "GSI1PK", partition))
    items = [entry_view(item) for item in page]
    return items, encode_cursor(shop_id, page.last_evaluated_key)


def all_entries(shop_id: str, user_id: str) -> List[PointsEntry]:
    """Every ledger entry, read consistently from the table (audits and tests)."""
    return list(PointsEntry.query(points_pk(shop_id, user_id), PointsEntry.SK.startswith("ENTRY#"),
                                  consistent_read=True))
