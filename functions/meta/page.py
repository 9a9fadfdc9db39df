"""The /docs page: the OpenAPI document as one self-contained HTML page (tables and links, no scripts, no CDN).

Request bodies are spelled out field by field, nested objects included (`delivery.address.phone`), with
each field's constraints and description; response bodies and every schema link to a schema section.
"""
import html
import json
from typing import Any, Dict, Iterable, List, Optional, Tuple

MAX_DEPTH = 6  # objects nested deeper than this are linked, not spelled out
_LIMITS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
           "minItems", "maxItems", "pattern", "format", "default")
_STYLE = ("body{font-family:sans-serif;max-width:75em;margin:auto;padding:1em}"
          "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;"
          "text-align:left;vertical-align:top}code{font-size:.95em}")

Row = Tuple[str, bool, str, str]  # field path, required, type (HTML), description


def _esc(text: Any) -> str:
    return html.escape(str(text))


def _ref_name(schema: Dict[str, Any]) -> Optional[str]:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[1] if isinstance(ref, str) else None


def schema_anchor(name: str) -> str:
    """The id of a schema's section on the page."""
    return f"schema-{name}"


def _link(name: str) -> str:
    return f"<a href=\"#{_esc(schema_anchor(name))}\">{_esc(name)}</a>"


def _variants(schema: Dict[str, Any]) -> List[Dict[str, Any]]:
    for combo in ("anyOf", "oneOf"):
        if isinstance(schema.get(combo), list):
            return schema[combo]
    return [schema]


def type_html(schema: Any) -> str:
    """A short rendering of a JSON schema: type or linked schema name, enum values, constraints."""
    if not isinstance(schema, dict):
        return ""
    if _ref_name(schema):
        return _link(_ref_name(schema))
    if "anyOf" in schema or "oneOf" in schema:
        return " or ".join(type_html(s) for s in _variants(schema))
    if "allOf" in schema:
        return " and ".join(type_html(s) for s in schema["allOf"])
    if "const" in schema:
        return f"<code>{_esc(json.dumps(schema['const']))}</code>"
    if "enum" in schema:
        return "one of " + ", ".join(f"<code>{_esc(json.dumps(v))}</code>" for v in schema["enum"])
    kinds = schema.get("type", "any")
    kind = " or ".join(_esc(k) for k in (kinds if isinstance(kinds, list) else [kinds]))
    if kind == "array":
        kind = f"array of {type_html(schema.get('items', {})) or 'any'}"
    elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        kind = f"map of string to {type_html(schema['additionalProperties'])}"
    elif kind == "object" and "properties" not in schema:
        kind = "object (free-form)"
    limits = [f"{key}={_esc(json.dumps(schema[key]))}" for key in _LIMITS if key in schema]
    return f"{kind} ({', '.join(limits)})" if limits else kind


def _object_of(schema: Dict[str, Any], components: Dict[str, Any]) -> Tuple[Optional[str], Dict[str, Any]]:
    """(schema name, object schema) behind a field: through $ref, `X or null` and arrays; ({}) if not one object."""
    if schema.get("type") == "array":
        return _object_of(schema.get("items") or {}, components)
    real = [s for s in _variants(schema) if s.get("type") != "null"]
    if len(real) != 1:
        return None, {}
    name = _ref_name(real[0])
    target = components.get(name, {}) if name else real[0]
    if target is not real[0] and (target.get("type") == "array" or "anyOf" in target):
        return _object_of(target, components)
    return name, target if "properties" in target else {}


def _description(schema: Dict[str, Any], components: Dict[str, Any]) -> str:
    """A field's own description, else the description of the schema it refers to."""
    if schema.get("description"):
        return str(schema["description"])
    for variant in _variants(schema.get("items", schema) if schema.get("type") == "array" else schema):
        name = _ref_name(variant)
        if name and components.get(name, {}).get("description"):
            return str(components[name]["description"])
    return ""


def field_rows(schema: Dict[str, Any], components: Dict[str, Any], follow_refs: bool = True, prefix: str = "",
               seen: Tuple[str, ...] = ()) -> List[Row]:
    """Every field of an object schema, nested objects' fields after their own row as `parent.child`.

    Objects written in place are always spelled out; named ones (a `$ref`) only when `follow_refs`.
    """
    name, target = _object_of(schema, components)
    seen = seen + ((name,) if name else ())
    required = set(target.get("required") or ())
    rows: List[Row] = []
    for field, sub in (target.get("properties") or {}).items():
        path = prefix + field
        rows.append((path, field in required, type_html(sub), _description(sub, components)))
        inner, nested = _object_of(sub, components)
        if nested and len(seen) <= MAX_DEPTH and (inner is None or (follow_refs and inner not in seen)):
            marker = "[]." if sub.get("type") == "array" else "."
            rows += field_rows(sub, components, follow_refs, path + marker, seen + ((inner or field),))
    return rows


def _table(headings: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in headings)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def fields_html(schema: Dict[str, Any], components: Dict[str, Any], follow_refs: bool = True) -> str:
    """A table of an object schema's fields (see field_rows), or its type when it has none."""
    rows = field_rows(schema, components, follow_refs)
    if not rows:
        return f"<p>{type_html(schema)}</p>"
    return _table(("field", "required", "type", "description"),
                  ((f"<code>{_esc(path)}</code>", "yes" if needed else "", kind, _esc(text))
                   for path, needed, kind, text in rows))


def _parameters_html(op: Dict[str, Any]) -> str:
    params = op.get("parameters") or []
    if not params:
        return ""
    return _table(("parameter", "in", "required", "type", "description"),
                  ((f"<code>{_esc(p['name'])}</code>", _esc(p["in"]), "yes" if p.get("required") else "",
                    type_html(p.get("schema", {})), _esc(p.get("description", ""))) for p in params))


def _responses_html(op: Dict[str, Any]) -> str:
    rows = []
    for status, response in op.get("responses", {}).items():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        rows.append((_esc(status), _esc(response.get("description", "")), type_html(schema)))
    return _table(("status", "meaning", "body"), rows)


def operation_html(path: str, method: str, op: Dict[str, Any], components: Dict[str, Any]) -> str:
    """One operation: summary, auth, parameters, the request body field by field, responses."""
    auth = ", ".join(name for req in op.get("security") or [] for name in req) or "none"
    out = [f"<h3 id=\"{_esc(op['operationId'])}\"><code>{method.upper()} {_esc(path)}</code></h3>",
           f"<p>{_esc(op.get('summary', ''))}</p>", f"<p>Auth: <code>{_esc(auth)}</code></p>", _parameters_html(op)]
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        out.append(f"<h4>Request body: {type_html(body)}</h4>{fields_html(body, components)}")
    out.append(_responses_html(op))
    return "\n".join(part for part in out if part)


def schemas_html(components: Dict[str, Any]) -> str:
    """Every component schema: its description and its fields (nested objects linked)."""
    return "".join(f"<h3 id=\"{_esc(schema_anchor(name))}\">{_esc(name)}</h3>"
                   f"<p>{_esc(components[name].get('description', ''))}</p>"
                   f"{fields_html(components[name], components, follow_refs=False)}" for name in sorted(components))


def html_page(doc: Dict[str, Any]) -> str:
    """The whole document as one self-contained HTML page: plain tables and in-page links."""
    components = doc.get("components", {}).get("schemas", {})
    by_tag: Dict[str, List[str]] = {}
    index: List[Tuple[str, str, str]] = []
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            tag = (op.get("tags") or ["other"])[0]
            by_tag.setdefault(tag, []).append(operation_html(path, method, op, components))
            link = f"<a href=\"#{_esc(op['operationId'])}\"><code>{method.upper()} {_esc(path)}</code></a>"
            index.append((_esc(tag), link, _esc(op.get("summary", ""))))
    info = doc.get("info", {})
    title = _esc(info.get("title", "API"))
    schemes = ((f"<code>{_esc(n)}</code>", _esc(s.get("description", "")))
               for n, s in doc.get("components", {}).get("securitySchemes", {}).items())
    return (f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title><style>{_STYLE}</style>"
            f"</head><body><h1>{title} {_esc(info.get('version', ''))}</h1><p>{_esc(info.get('description', ''))}</p>"
            "<p>The machine-readable document is at <a href=\"openapi.json\"><code>/openapi.json</code></a>.</p>"
            f"<h2>Authentication</h2>{_table(('scheme', 'meaning'), schemes)}"
            f"<h2>Endpoints</h2>{_table(('capability', 'route', 'summary'), index)}"
            + "".join(f"<h2>{_esc(tag)}</h2>{''.join(ops)}" for tag, ops in sorted(by_tag.items()))
            + f"<h2>Schemas</h2>{schemas_html(components)}</body></html>")
