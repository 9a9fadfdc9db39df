"""One place that runs TransactWriteItems and translates its failures into domain terms.

Each action carries a label; a cancelled transaction is reported as the label of the
action whose condition failed, read from the structured CancellationReasons (PynamoDB
sends condition checks, deletes, puts, then updates — we map the reasons back through
that order). When several conditions failed, an action marked `decides=True` (the state
guard that names the outcome, such as the order's status) wins over the others; among the
rest, the first in sending order.
"""
import random
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, TypeVar

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from crowdcart.db.connection import connection
from crowdcart.errors import ServiceUnavailable

T = TypeVar("T")
MAX_ACTIONS = 100
UNANSWERED_RESENDS = 2


def response_code(exc: Exception) -> Optional[str]:
    """DynamoDB's error code behind a PynamoDB error, or None when no answer came (timeout, reset)."""
    response = getattr(getattr(exc, "cause", None), "response", None)
    if not isinstance(response, dict):
        return None
    return response.get("Error", {}).get("Code")


class ConditionFailed(Exception):
    """The condition of the action named `label` did not hold; nothing was written."""

    def __init__(self, label: str, item: Optional[Dict[str, Any]] = None,
                 labels: Optional[List[str]] = None) -> None:
        super().__init__(label)
        self.label = label
        self.item = item
        self.labels = labels or [label]  # every action whose condition failed, the deciding one first


class TransactionConflict(Exception):
    """Another transaction touched one of the items at the same time; safe to retry."""


class TokenAlreadyUsed(Exception):
    """The ClientRequestToken already committed a transaction with other parameters (a concurrent
    retry of the same request won); the caller should read the result instead of writing."""


class Transaction:
    """A labelled TransactWriteItems with a deterministic ClientRequestToken."""

    def __init__(self, token: Optional[str] = None) -> None:
        # always a token: a request that got no answer is re-sent with it, and DynamoDB applies it once
        self.token = token or uuid.uuid4().hex
        self._tx = TransactWrite(connection=connection(), client_request_token=self.token)
        # (rank, label) per kind of action, in PynamoDB's sending order; rank 0 = the deciding condition
        self._labels: Dict[str, List[Tuple[int, str]]] = {"check": [], "delete": [], "put": [], "update": []}

    def __len__(self) -> int:
        return sum(len(v) for v in self._labels.values())

    def _label(self, kind: str, label: str, decides: bool) -> None:
        self._labels[kind].append((0 if decides else 1, label))

    def put(self, label: str, model: Model, condition: Optional[Condition] = None, decides: bool = False) -> None:
        """Put `model`, optionally only if `condition` holds."""
        self._tx.save(model, condition=condition)
        self._label("put", label, decides)

    def update(self, label: str, model: Model, actions: List[Any], condition: Optional[Condition] = None,
               decides: bool = False) -> None:
        """Apply update `actions` to the item keyed like `model`, if `condition` holds."""
        self._tx.update(model, actions=actions, condition=condition, return_values="ALL_OLD")
        self._label("update", label, decides)

    def delete(self, label: str, model: Model, condition: Optional[Condition] = None, decides: bool = False) -> None:
        """Delete the item keyed like `model`, if `condition` holds."""
        self._tx.delete(model, condition=condition)
        self._label("delete", label, decides)

    def check(self, label: str, model_cls: Type[Model], hash_key: str, range_key: str, condition: Condition,
              decides: bool = False) -> None:
        """Require `condition` on another item without writing it."""
        self._tx.condition_check(model_cls, hash_key, range_key, condition=condition)
        self._label("check", label, decides)

    def commit(self) -> None:
        """Run the transaction; raise ConditionFailed(label) or TransactionConflict."""
        if len(self) > MAX_ACTIONS:
            raise ValueError(f"a transaction takes at most {MAX_ACTIONS} actions, got {len(self)}")
        if not len(self):
            return
        labels = self._labels["check"] + self._labels["delete"] + self._labels["put"] + self._labels["update"]
        for attempt in range(UNANSWERED_RESENDS + 1):
            try:
                with self._tx:
                    pass  # TransactWrite commits on a clean exit
                return
            except TransactWriteError as exc:
                if response_code(exc) is None and attempt < UNANSWERED_RESENDS:
                    continue  # no answer (timeout, reset): the same token makes the resend idempotent
                self._translate(exc, labels)

    @staticmethod
    def _translate(exc: TransactWriteError, labels: List[Tuple[int, str]]) -> None:
        """Raise the domain-level exception for a failed transaction (the deciding failed condition)."""
        code = response_code(exc)
        if code is None:
            raise ServiceUnavailable("busy", "The database did not answer in time; please retry.") from exc
        reasons = list(zip(labels, exc.cancellation_reasons or []))
        for (_, label), reason in reasons:
            if reason is not None and reason.code == "TransactionConflict":
                raise TransactionConflict(label) from exc  # retried: every condition is evaluated afresh
        failed = sorted(((rank, sent), label, reason.raw_item) for sent, ((rank, label), reason) in enumerate(reasons)
                        if reason is not None and reason.code == "ConditionalCheckFailed")
        if failed:
            _, label, item = failed[0]
            raise ConditionFailed(label, item, [name for _, name, _ in failed]) from exc
        if code in ("TransactionConflictException", "TransactionInProgressException"):
            raise TransactionConflict(code) from exc
        if code == "IdempotentParameterMismatchException":
            raise TokenAlreadyUsed(code) from exc
        raise exc


def run_transaction(build: Callable[[], Transaction], attempts: int = 12) -> None:
    """Build and commit a transaction, retrying conflicts with jittered backoff.

    `build` is called once per attempt so it may re-read nothing: it only lays out writes.
    A ConditionFailed is final and propagates; conflicts past `attempts` become a 503.
    """
    delay = 0.01
    for attempt in range(attempts):
        try:
            build().commit()
            return
        except TransactionConflict:
            if attempt == attempts - 1:
                break
            time.sleep(random.uniform(0, delay))
            delay = min(delay * 2, 0.5)
    raise ServiceUnavailable("busy", "Too many people are doing this at once; please retry.")


def put_unique(label: str, model: Model) -> None:
    """Create `model` only if no item has its key; ConditionFailed(label) otherwise."""
    try:
        model.save(condition=type(model).PK.does_not_exist())
    except PutError as exc:
        _single_write_failed(exc, label)


def update_if(label: str, model: Model, actions: List[Any], condition: Optional[Condition] = None) -> Model:
    """Apply `actions` if `condition` holds (and the item exists); returns the updated model."""
    cls = type(model)
    guard = cls.PK.exists() if condition is None else (cls.PK.exists() & condition)
    try:
        model.update(actions=actions, condition=guard)
    except UpdateError as exc:
        _single_write_failed(exc, label)
    return model


def _single_write_failed(exc: Exception, label: str) -> None:
    """Translate a failed single write: its condition (ConditionFailed), no answer (503), else re-raise."""
    code = response_code(exc)
    if code == "ConditionalCheckFailedException":
        raise ConditionFailed(label) from exc
    if code is None:
        raise ServiceUnavailable("busy", "The database did not answer in time; please retry.") from exc
    raise exc
