"""Route metadata for the generated OpenAPI document (no Chalice import: it only marks functions).

Usage, under the Chalice route decorator:
    @bp.route("/v1/things", methods=["POST"])
    @spec(auth="merchant", request=schemas.CreateThing, response=schemas.Thing, status=201,
          query={"cursor": "string"}, errors=(404, 409))
    def create_thing(): ...
"""
from typing import Any, Callable, Dict, Iterable, Optional, Type

AUTH_KINDS = ("none", "shopper", "merchant", "platform", "wechatpay")


def spec(*, auth: str, request: Optional[Type[Any]] = None, response: Optional[Type[Any]] = None,
         status: int = 200, query: Optional[Dict[str, str]] = None, errors: Iterable[int] = (),
         headers: Optional[Dict[str, str]] = None, summary: Optional[str] = None, local_only: bool = False) -> Callable:
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
