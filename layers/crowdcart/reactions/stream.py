"""Decode DynamoDB stream records into (entity, old, new) changes and dispatch them."""
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from boto3.dynamodb.types import TypeDeserializer

from crowdcart.observability import logger

_deserializer = TypeDeserializer()
Change = Tuple[str, Optional[Dict[str, Any]], Optional[Dict[str, Any]], int]
Image = Optional[Dict[str, Any]]
HANDLERS: Dict[str, List[Callable[[Image, Image, int], None]]] = {}


def _value(raw: Dict[str, Any]) -> Any:
    # DynamoDB Local's stream writes an empty map as `{}` instead of `{"M": {}}`
    return {} if raw == {} else _deserializer.deserialize(raw)


def _plain(image: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if not image:
        return None
    return {k: _value(v) for k, v in image.items()}


def decode(record: Dict[str, Any]) -> Change:
    """One raw stream record → (entity, old image, new image, approximate change time in epoch s)."""
    body = record.get("dynamodb", {})
    old, new = _plain(body.get("OldImage")), _plain(body.get("NewImage"))
    entity = (new or old or {}).get("entity", "")
    at = body.get("ApproximateCreationDateTime") or 0
    return entity, old, new, int(at.timestamp() if hasattr(at, "timestamp") else at)


def on(entity: str) -> Callable:
    """Register a reaction to changes of items of `entity`."""
    def register(func: Callable) -> Callable:
        HANDLERS.setdefault(entity, []).append(func)
        return func

    return register


def dispatch(records: Iterable[Dict[str, Any]]) -> int:
    """Run every registered reaction for each record; returns how many reactions ran.

    A reaction must be idempotent (stream records can be delivered more than once); a failing
    reaction raises so the batch is retried (Lambda) or re-polled (local).
    """
    ran = 0
    for record in records:
        entity, old, new, at = decode(record)
        for handler in HANDLERS.get(entity, []):
            try:
                handler(old, new, at)
            except Exception:
                logger.exception("reaction failed", extra={"entity": entity, "reaction": handler.__name__})
                raise
            ran += 1
    return ran
