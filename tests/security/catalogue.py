"""Every route the app serves, read from `app.app.routes` and each route's `@spec` — the security suite
walks this list, so a route added by any capability is attacked without anyone editing the tests."""
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from crowdcart.api.openapi import capability_of, iter_routes, route_spec, view_module

PARAM = re.compile(r"{([^}/]+)}")
CREDENTIALED = ("shopper", "merchant", "platform")


@dataclass(frozen=True)
class Route:
    """One METHOD + path and what its `@spec` declares."""

    method: str
    path: str
    auth: str
    capability: str
    request: Any = None
    response: Any = None
    status: int = 200
    query: Dict[str, str] = field(default_factory=dict)
    headers: Dict[str, str] = field(default_factory=dict)
    documented: bool = True

    @property
    def key(self) -> str:
        """`METHOD path`, the key of the registry's recipes."""
        return f"{self.method} {self.path}"

    @property
    def params(self) -> Tuple[str, ...]:
        """The path parameters, in order."""
        return tuple(PARAM.findall(self.path))

    @property
    def writes(self) -> bool:
        """Everything but GET may change state."""
        return self.method != "GET"

    @property
    def paged(self) -> bool:
        """Declares a `limit` query (a list route)."""
        return "limit" in self.query

    @property
    def lists(self) -> bool:
        """Answers `{items, next_cursor}` according to its response schema (or declares `limit`)."""
        if self.paged:
            return True
        schema = _schema_of(self.response)
        return isinstance(schema, dict) and "items" in (schema.get("properties") or {})

    def __str__(self) -> str:
        return self.key


def _schema_of(model: Any) -> Optional[Dict[str, Any]]:
    if model is None:
        return None
    if isinstance(model, dict):
        return model
    try:
        return model.model_json_schema(mode="serialization")
    except Exception:  # not a pydantic model: nothing to read
        return None


def routes(application: Any = None) -> List[Route]:
    """Every registered route of the app (the one this process serves), sorted by path and method."""
    if application is None:
        import app as application_module

        application = application_module.app
    found = []
    for path, method, entry in iter_routes(application.routes):
        meta = route_spec(entry.view_function)
        module = view_module(entry.view_function)
        found.append(Route(
            method=method, path=path, auth=(meta or {}).get("auth", "undocumented"),
            capability=capability_of(module) or module, request=(meta or {}).get("request"),
            response=(meta or {}).get("response"), status=int((meta or {}).get("status") or 200),
            query=dict((meta or {}).get("query") or {}), headers=dict((meta or {}).get("headers") or {}),
            documented=meta is not None))
    return found


def by_key(application: Any = None) -> Dict[str, Route]:
    """Routes keyed by `METHOD path`."""
    return {route.key: route for route in routes(application)}
