"""One place that runs TransactWriteItems and translates its failures into domain terms.

Each action carries a label; a cancelled transaction is reported as the label of the
action whose condition failed, read from the structured CancellationReasons (PynamoDB
sends condition checks, deletes, puts, then updates — we keep the labels in that order).
"""
import random
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Type, TypeVar

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

    def __init__(self, label: str, item: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(label)
        self.label = label
        self.item = item


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
        self._labels: Dict[str, List[str]] = {"check": [], "delete": [], "put": [], "update": []}

    def __len__(self) -> int:
        return sum(len(v) for v in self._labels.values())

    def put(self, label: str, model: Model, condition: Optional[Condition] = None) -> None:
        """Put `model`, optionally only if `condition` holds."""
        self._tx.save(model, condition=condition)
        self._labels["put"].append(label)

    def update(self, label: str, model: Model, actions: List[Any], condition: Optional[Condition] = None) -> None:
        """Apply update `actions` to the item keyed like `model`, if `condition` holds."""
        self._tx.update(model, actions=actions, condition=condition, return_values="ALL_OLD")
        self._labels["update"].append(label)

    def delete(self, label: str, model: Model, condition: Optional[Condition] = None) -> None:
        """Delete the item keyed like `model`, if `condition` holds."""
        self._tx.delete(model, condition=condition)
        self._labels["delete"].append(label)

    def check(self, label: str, model_cls: Type[Model], hash_key: str, range_key: str, condition: Condition) -> None:
        """Require `condition` on another item without writing it."""
        self._tx.condition_check(model_cls, hash_key, range_key, condition=condition)
        self._labels["check"].append(label)

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
    def _translate(exc: TransactWriteError, labels: List[str]) -> None:
        """Raise the domain-level exception for a failed transaction."""
        code = response_code(exc)
        if code is None:
            raise ServiceUnavailable("busy", "The database did not answer in time; please retry.") from exc
        for label, reason in zip(labels, exc.cancellation_reasons or []):
            if reason is None:
                continue
            if reason.code == "ConditionalCheckFailed":
                raise ConditionFailed(label, reason.raw_item) from exc
            if reason.code == "TransactionConflict":
                raise TransactionConflict(label) from exc
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
