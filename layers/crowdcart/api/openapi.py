"""The OpenAPI 3.1 document, generated from registered routes and their `@spec(...)` metadata.

Framework-free: it reads any mapping shaped like Chalice's `app.routes`
({path: {METHOD: entry with .view_function}}) and never imports Chalice or a capability.
"""
import copy
import inspect
import re
import sys
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from pydantic.json_schema import DefsRef, GenerateJsonSchema, models_json_schema

from crowdcart.api.docs import Param
from crowdcart.pagination import DEFAULT_LIMIT, MAX_LIMIT

OPENAPI_VERSION = "3.1.0"
REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                       "message": {"type": "string"},
                       "field": {"type": "string"}},
        "additionalProperties": True,
    }},
}
# What the WeChat Pay webhooks answer on refusal (WeChat's format, not the API's own Error)
WECHATPAY_FAILURE_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {"code": {"const": "FAIL"}, "message": {"type": "string"}},
}
SECURITY_SCHEMES = {
    "shopper": ("shopperJwt", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                               "description": "A shopper's session token from POST /v1/auth/login."}),
    "merchant": ("merchantKey", {"type": "http", "scheme": "bearer",
                                 "description": "A merchant staff API key (`mk_<shop_id>_…`), role owner/operator/viewer."}),
    "platform": ("platformKey", {"type": "http", "scheme": "bearer",
                                 "description": "The platform operator's key (creates shops)."}),
    "wechatpay": ("wechatpaySignature", {"type": "apiKey", "in": "header", "name": "Wechatpay-Signature",
                                         "description": "WeChat Pay v3 signature over `timestamp\\nnonce\\nbody\\n`, "
                                                        "with Wechatpay-Timestamp, -Nonce and -Serial headers."}),
}
# What a parameter of this name means on every route that has it (all parse it the same way)
COMMON_PARAMS = {
    ("query", "cursor"): ({}, "The `next_cursor` of the previous page; omit it for the first page."),
    ("query", "limit"): ({"minimum": 1}, f"Items per page (default {DEFAULT_LIMIT}; more than {MAX_LIMIT} "
                                         f"is read as {MAX_LIMIT})."),
    ("header", "idempotency-key"): ({"maxLength": 255}, "A key the client chooses per action: the same key again "
                                                        "acts once and answers the first result."),
}
_AUTH_ERRORS = (401, 403)
_BODY_ERRORS = (400, 413, 422)
_JSON_TYPES = {"string", "integer", "number", "boolean"}
_PARAM = re.compile(r"{([^}/]+)}")


def route_spec(view: Callable) -> Optional[Dict[str, Any]]:
    """The `@spec` metadata of a (possibly wrapped) view function, or None."""
    found = getattr(view, "__openapi__", None)
    return found if found is not None else getattr(inspect.unwrap(view), "__openapi__", None)


def view_module(view: Callable) -> str:
    """The module that defined a (possibly wrapped) view function."""
    return inspect.unwrap(view).__module__


def capability_of(module: str) -> Optional[str]:
    """`functions.<cap>.…` → `<cap>`; None for modules outside functions/."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "functions" else None


def iter_routes(routes: Mapping[str, Mapping[str, Any]]) -> Iterable[Tuple[str, str, Any]]:
    """(path, METHOD, entry) for every registered route, sorted."""
    for path in sorted(routes):
        for method in sorted(routes[path]):
            yield path, method.upper(), routes[path][method]


def missing_specs(routes: Mapping[str, Mapping[str, Any]]) -> List[str]:
    """'METHOD path (module)' of every route without `@spec` metadata."""
    return [f"{method} {path} ({view_module(entry.view_function)})"
            for path, method, entry in iter_routes(routes) if route_spec(entry.view_function) is None]


class ComponentNames(GenerateJsonSchema):
    """pydantic's JSON-schema generator, naming components so that the name says whose model it is.

    A model keeps its own name unless another model of the same document has that name and a different
    schema; then it is `<Owner><Name>` (`CardsShare`: the owner is the capability, or the core module).
    A model whose request and response forms differ adds `Input`/`Output`. pydantic's module-qualified
    names are the last resort (two classes with one qualified name: made by a factory function).
    """

    def get_defs_ref(self, core_mode_ref: Any) -> DefsRef:
        """pydantic's unique key for a model, with our names first among the names it may take."""
        unique = super().get_defs_ref(core_mode_ref)
        name, _, qualified, qualified_mode, occurrence, occurrence_mode = self._prioritized_defsref_choices[unique]
        owner = _owner_prefix(core_mode_ref[0])
        mode = "Input" if core_mode_ref[1] == "validation" else "Output"
        choices = [name, owner + name, qualified, occurrence,  # one name for both forms when they are alike
                   name + mode, owner + name + mode, qualified_mode, occurrence_mode]
        self._prioritized_defsref_choices[unique] = [DefsRef(choice) for choice in dict.fromkeys(choices)]
        return unique


def _owner_prefix(core_ref: str) -> str:
    """`functions.cards.schemas.Share:123` → "Cards"; `crowdcart.api.delivery.Address:9` → "Delivery"."""
    dotted = re.split(r"[\[:]", core_ref, maxsplit=1)[0]
    module = capability_of(dotted) or _module_of(dotted).rsplit(".", 1)[-1]
    return "".join(part.capitalize() for part in module.split("_"))


def _module_of(dotted: str) -> str:
    """The longest importable module that `dotted` (module + qualified name) starts with."""
    parts = dotted.split(".")
    for size in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:size]) in sys.modules:
            return ".".join(parts[:size])
    return parts[0]


class _Components:
    """components.schemas: every pydantic model of the document generated in one pass, so names are decided once."""

    def __init__(self, models: Iterable[Tuple[Any, str]]) -> None:
        wanted = list(dict.fromkeys(models))
        refs, defs = models_json_schema(wanted, ref_template=REF_TEMPLATE, schema_generator=ComponentNames)
        self.schemas: Dict[str, Any] = {"Error": copy.deepcopy(ERROR_SCHEMA), **defs.get("$defs", {})}
        self._refs = refs

    def ref(self, model: Any, mode: str) -> Dict[str, Any]:
        """A `$ref` to `model` (a pydantic model class), or a copy of a plain JSON-schema dict."""
        if isinstance(model, dict):
            return copy.deepcopy(model)
        return dict(self._refs[(model, mode)])


def _models(meta: Dict[str, Any]) -> List[Tuple[Any, str]]:
    """The (pydantic model, mode) pairs a route's metadata names: its request body and its response."""
    pairs = [(meta.get("request"), "validation"), (meta.get("response"), "serialization")]
    return [(model, mode) for model, mode in pairs if model is not None and not isinstance(model, dict)]


def _param_schema(kind: Any) -> Tuple[Dict[str, Any], bool, str]:
    """A query/header spec value → (schema, required, description)."""
    if isinstance(kind, Param):
        return dict(kind.schema), kind.required, kind.description
    if isinstance(kind, dict):
        return dict(kind), False, ""
    text = str(kind or "string")
    name = text.rstrip("!")
    required = name == "required" or text.endswith("!")
    if name in _JSON_TYPES:
        return {"type": name}, required, ""
    return {"type": "string"}, required, "" if name in ("required", "optional") else name


def _parameter(name: str, location: str, kind: Any) -> Dict[str, Any]:
    """One OpenAPI parameter; the shared paging pair and Idempotency-Key say what they mean when a route does not."""
    schema, required, description = _param_schema(kind)
    common_schema, common_description = COMMON_PARAMS.get((location, name.lower()), ({}, ""))
    parameter = {"name": name, "in": location, "required": required, "schema": {**schema, **common_schema}}
    if description or common_description:
        parameter["description"] = description or common_description
    return parameter


def _parameters(path: str, meta: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The path parameters of `path`, then the route's declared query parameters and headers."""
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in _PARAM.findall(path)]
    for location, values in (("query", meta.get("query") or {}), ("header", meta.get("headers") or {})):
        params += [_parameter(name, location, kind) for name, kind in values.items()]
    return params


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _operation(path: str, method: str, entry: Any, meta: Dict[str, Any], parts: _Components,
               used_ids: Dict[str, int]) -> Dict[str, Any]:
    view = inspect.unwrap(entry.view_function)
    cap = capability_of(view.__module__) or "app"
    op_id = f"{cap}_{view.__name__}"
    used_ids[op_id] = used_ids.get(op_id, 0) + 1
    if used_ids[op_id] > 1:
        op_id = f"{op_id}_{used_ids[op_id]}"
    operation: Dict[str, Any] = {"operationId": op_id, "tags": [cap], "summary": meta.get("summary") or view.__name__}
    params = _parameters(path, meta)
    if params:
        operation["parameters"] = params
    errors = set(meta.get("errors") or ())
    if meta.get("request") is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": parts.ref(meta["request"], "validation")}}}
        errors.update(_BODY_ERRORS)
    auth = meta.get("auth", "none")
    if auth in SECURITY_SCHEMES:
        operation["security"] = [{SECURITY_SCHEMES[auth][0]: []}]
        if auth != "wechatpay":
            errors.update(_AUTH_ERRORS)
    else:
        operation["security"] = []
    status = int(meta.get("status") or 200)
    response_schema = (parts.ref(meta["response"], "serialization") if meta.get("response") is not None
                       else {"type": "object"})
    responses: Dict[str, Any] = {str(status): {"description": _reason(status)}}
    if status != 204:
        responses[str(status)]["content"] = {"application/json": {"schema": response_schema}}
    error_schema = "Error"
    if auth == "wechatpay":
        error_schema = "WechatPayFailure"
        parts.schemas.setdefault(error_schema, copy.deepcopy(WECHATPAY_FAILURE_SCHEMA))
    for code in sorted(errors):
        responses[str(code)] = {"description": _reason(code), "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{error_schema}"}}}}
    operation["responses"] = responses
    operation["x-capability"] = cap
    if meta.get("local_only"):
        operation["x-local-only"] = True
    return operation


def build_document(routes: Mapping[str, Mapping[str, Any]], title: str = "Crowdcart API",
                   version: str = "1.0.0") -> Dict[str, Any]:
    """The OpenAPI 3.1 document of `routes` (Chalice's `app.routes` shape)."""
    undocumented = {"auth": "none", "summary": "(undocumented route)"}
    operations = [(path, method, entry, route_spec(entry.view_function) or undocumented)
                  for path, method, entry in iter_routes(routes)]
    parts = _Components(pair for *_, meta in operations for pair in _models(meta))
    paths: Dict[str, Dict[str, Any]] = {}
    used_ids: Dict[str, int] = {}
    for path, method, entry, meta in operations:
        paths.setdefault(path, {})[method.lower()] = _operation(path, method, entry, meta, parts, used_ids)
    tags = sorted({op["x-capability"] for item in paths.values() for op in item.values()})
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version,
                 "description": "Crowdcart's HTTP API: JSON in and out, money in integer fen, errors as "
                                "`{\"error\": {\"code\", \"message\"}}`. Lists are `{items, next_cursor}`."},
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {"schemas": parts.schemas,
                       "securitySchemes": {name: scheme for name, scheme in SECURITY_SCHEMES.values()}},
    }
