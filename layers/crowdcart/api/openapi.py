"""The OpenAPI 3.1 document, generated from registered routes and their `@spec(...)` metadata.

Framework-free: it reads any mapping shaped like Chalice's `app.routes`
({path: {METHOD: entry with .view_function}}) and never imports Chalice or a capability.
"""
import copy
import inspect
import re
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

OPENAPI_VERSION = "3.1.0"
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


class _Components:
    """components.schemas, with pydantic `$defs` hoisted and name clashes renamed."""

    def __init__(self) -> None:
        self.schemas: Dict[str, Any] = {"Error": copy.deepcopy(ERROR_SCHEMA)}
        self._by_model: Dict[Any, str] = {}

    def _free_name(self, name: str, schema: Any) -> str:
        base, n = name, 1
        while name in self.schemas and self.schemas[name] != schema:
            n += 1
            name = f"{base}{n}"
        return name

    def ref(self, model: Any, mode: str) -> Dict[str, Any]:
        """A `$ref` to `model` (a pydantic model class), or a copy of a plain JSON-schema dict."""
        if isinstance(model, dict):
            return copy.deepcopy(model)
        key = (model, mode)
        if key not in self._by_model:
            schema = model.model_json_schema(mode=mode, ref_template="#/$defs/{model}")
            defs = schema.pop("$defs", {})
            renames = {name: self._free_name(name, _rewrite_refs(body, {})) for name, body in defs.items()}
            for name, body in defs.items():
                self.schemas[renames[name]] = _rewrite_refs(body, renames)
            schema = _rewrite_refs(schema, renames)
            if set(schema) == {"$ref"}:  # a recursive model: pydantic already put it in $defs
                self._by_model[key] = schema["$ref"].rsplit("/", 1)[1]
            else:
                name = self._free_name(model.__name__, schema)
                self.schemas[name] = schema
                self._by_model[key] = name
        return {"$ref": f"#/components/schemas/{self._by_model[key]}"}


def _rewrite_refs(node: Any, renames: Dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                name = value[len("#/$defs/"):]
                out[key] = f"#/components/schemas/{renames.get(name, name)}"
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _param_schema(kind: Any) -> Tuple[Dict[str, Any], bool, str]:
    """A query/header spec value → (schema, required, description)."""
    if isinstance(kind, dict):
        return dict(kind), False, ""
    text = str(kind or "string")
    required = text == "required" or text.endswith("!")
    name = text.rstrip("!")
    if name in _JSON_TYPES:
        return {"type": name}, required, ""
    return {"type": "string"}, required, "" if name == "required" else name


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
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
              for name in _PARAM.findall(path)]
    for location, values in (("query", meta.get("query") or {}), ("header", meta.get("headers") or {})):
        for name, kind in values.items():
            schema, required, description = _param_schema(kind)
            param = {"name": name, "in": location, "required": required, "schema": schema}
            if description:
                param["description"] = description
            params.append(param)
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
    parts = _Components()
    paths: Dict[str, Dict[str, Any]] = {}
    used_ids: Dict[str, int] = {}
    for path, method, entry in iter_routes(routes):
        meta = route_spec(entry.view_function) or {"auth": "none", "summary": "(undocumented route)"}
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
