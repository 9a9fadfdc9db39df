"""Route metadata for the generated OpenAPI document (no Chalice import: it only marks functions).

Usage, under the Chalice route decorator:
    @bp.route("/v1/things", methods=["POST"])
    @spec(auth="merchant", request=schemas.CreateThing, response=schemas.Thing, status=201,
          query={"near": param("number", required=True, description="…"), "cursor": "string"},
          errors=(404, 409))
    def create_thing(): ...

A query or header value is a `param(...)`, a JSON type name ("string", "integer", "number",
"boolean"; a trailing "!" makes it required), "required" / "optional" (a string), or a JSON schema dict.
"""
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Optional, Type

AUTH_KINDS = ("none", "shopper", "merchant", "platform", "wechatpay")


@dataclass(frozen=True)
class Param:
    """One query parameter or header: its JSON schema, whether the route refuses a call without it, what it means."""

    schema: Dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False
    description: str = ""

    def __str__(self) -> str:
        """The short form ("number", "number!") for readers that only know strings."""
        return str(self.schema.get("type", "string")) + ("!" if self.required else "")


def param(kind: str = "string", *, required: bool = False, description: str = "", **schema: Any) -> Param:
    """A query parameter or header of JSON type `kind`, with JSON-schema keywords (minimum=, enum=, default=)."""
    return Param(schema={"type": kind, **schema}, required=required, description=description)


def spec(*, auth: str, request: Optional[Type[Any]] = None, response: Optional[Type[Any]] = None,
         status: int = 200, query: Optional[Dict[str, Any]] = None, errors: Iterable[int] = (),
         headers: Optional[Dict[str, Any]] = None, summary: Optional[str] = None, local_only: bool = False) -> Callable:
    """Attach OpenAPI facts to a view function; returns the function unchanged otherwise."""
    if auth not in AUTH_KINDS:
        raise ValueError(f"auth must be one of {AUTH_KINDS}")

    def mark(view: Callable) -> Callable:
        view.__openapi__ = {"auth": auth, "request": request, "response": response, "status": status,
                            "query": dict(query or {}), "errors": tuple(errors), "headers": dict(headers or {}),
                            "summary": summary or (view.__doc__ or "").strip().split("\n")[0],
                            "local_only": local_only}
        return view

    return mark
