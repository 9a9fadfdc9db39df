"""Watch what the app does while it answers: its DynamoDB calls (botocore) and any network connection."""
import json
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Tuple
from unittest import mock

from botocore.client import BaseClient

WRITES = ("PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem")


@dataclass
class Call:
    """One DynamoDB API call: its operation, parameters, and whether it succeeded."""

    operation: str
    params: Dict[str, Any]
    ok: bool

    @property
    def text(self) -> str:
        """The parameters as JSON text (to search for values)."""
        return json.dumps(self.params, default=str, ensure_ascii=False)

    def keys(self) -> List[str]:
        """`PK|SK` of every item this call writes."""
        found: List[str] = []

        def key(item: Dict[str, Any]) -> None:
            found.append(f"{item.get('PK', {}).get('S')}|{item.get('SK', {}).get('S')}")

        p = self.params
        if self.operation == "PutItem":
            key(p["Item"])
        elif self.operation in ("UpdateItem", "DeleteItem"):
            key(p["Key"])
        elif self.operation == "TransactWriteItems":
            for action in p["TransactItems"]:
                for kind, body in action.items():
                    if kind != "ConditionCheck":
                        key(body.get("Item") or body.get("Key") or {})
        elif self.operation == "BatchWriteItem":
            for requests in p["RequestItems"].values():
                for request in requests:
                    body = request.get("PutRequest") or request.get("DeleteRequest") or {}
                    key(body.get("Item") or body.get("Key") or {})
        return found


@contextmanager
def dynamodb_calls() -> Iterator[List[Call]]:
    """Record every DynamoDB call made in this process while the block runs."""
    calls: List[Call] = []
    original = BaseClient._make_api_call

    def spy(client: BaseClient, operation: str, params: Dict[str, Any]) -> Any:
        if client.meta.service_model.service_name != "dynamodb":
            return original(client, operation, params)
        try:
            result = original(client, operation, params)
        except Exception:
            calls.append(Call(operation, params, False))
            raise
        calls.append(Call(operation, params, True))
        return result

    with mock.patch.object(BaseClient, "_make_api_call", spy):
        yield calls


def committed_writes(calls: List[Call]) -> List[Call]:
    """The writes that went through."""
    return [c for c in calls if c.ok and c.operation in WRITES]


@contextmanager
def network() -> Iterator[List[Tuple[str, Any]]]:
    """Record every name lookup and socket connection made in this process while the block runs."""
    seen: List[Tuple[str, Any]] = []
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def spy_connect(sock: socket.socket, address: Any) -> Any:
        seen.append(("connect", address))
        return connect(sock, address)

    def spy_connect_ex(sock: socket.socket, address: Any) -> Any:
        seen.append(("connect", address))
        return connect_ex(sock, address)

    def spy_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(("resolve", host))
        return getaddrinfo(host, *args, **kwargs)

    with mock.patch.object(socket.socket, "connect", spy_connect), \
            mock.patch.object(socket.socket, "connect_ex", spy_connect_ex), \
            mock.patch.object(socket, "getaddrinfo", spy_getaddrinfo):
        yield seen
