"""The API description: built from the registered routes, or read from the copy bundled at packaging."""
import html
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from crowdcart.api.openapi import build_document

HEALTH_SCHEMA = {"type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}
# Set by the packaged template on the meta function: one Lambda serves only `meta`, so it reads
# the whole API's document that `make package` generated from the full app (infra/build.py).
BUNDLED_ENV = "CROWDCART_OPENAPI_DOCUMENT"
_cache: Dict[Tuple, Dict[str, Any]] = {}


def _bundled() -> Optional[Dict[str, Any]]:
    name = os.environ.get(BUNDLED_ENV)
    if not name:
        return None
    path = Path(name)
    if not path.is_absolute():
        path = Path(os.environ.get("LAMBDA_TASK_ROOT", ".")) / path
    return json.loads(path.read_text())


def document(routes: Mapping[str, Mapping[str, Any]]) -> Dict[str, Any]:
    """The OpenAPI document: the bundled one when configured, else generated from `routes` (cached)."""
    key = tuple((path, tuple(sorted(methods))) for path, methods in sorted(routes.items()))
    key += (os.environ.get(BUNDLED_ENV),)
    if key not in _cache:
        _cache.clear()
        _cache[key] = _bundled() or build_document(routes)
    return _cache[key]


def _schema_text(schema: Any, components: Dict[str, Any]) -> str:
    """A short human rendering of a JSON schema (type, constraints, $ref name)."""
    if not isinstance(schema, dict):
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    for combo in ("anyOf", "oneOf", "allOf"):
        if combo in schema:
            return " | ".join(_schema_text(s, components) for s in schema[combo])
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        kind = f"array of {_schema_text(schema.get('items', {}), components) or 'any'}"
    limits = [f"{k}={schema[k]}" for k in ("minimum", "maximum", "exclusiveMinimum", "minLength", "maxLength",
                                             "maxItems", "pattern", "format") if k in schema]
    return f"{kind} ({', '.join(limits)})" if limits else str(kind)


def _fields_table(schema: Dict[str, Any], components: Dict[str, Any]) -> str:
    if "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[1], {})
    props = schema.get("properties") or {}
    if not props:
        return f"<p>{html.escape(_schema_text(schema, components))}</p>"
    required = set(schema.get("required") or ())
    rows = "".join(f"<tr><td><code>{html.escape(name)}</code></td><td>{'yes' if name in required else ''}</td>"
                   f"<td>{html.escape(_schema_text(sub, components))}</td></tr>" for name, sub in props.items())
    return f"<table><tr><th>field</th><th>required</th><th>type</th></tr>{rows}</table>"


def _operation_html(path: str, method: str, op: Dict[str, Any], components: Dict[str, Any]) -> str:
    out: List[str] = [f"<h3 id=\"{html.escape(op['operationId'])}\"><code>{method.upper()} {html.escape(path)}</code></h3>",
                      f"<p>{html.escape(op.get('summary', ''))}</p>"]
    auth = ", ".join(name for req in op.get("security") or [] for name in req) or "none"
    out.append(f"<p>Auth: <code>{html.escape(auth)}</code></p>")
    params = op.get("parameters") or []
    if params:
        rows = "".join(f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{p['in']}</td>"
                       f"<td>{'yes' if p.get('required') else ''}</td>"
                       f"<td>{html.escape(_schema_text(p.get('schema', {}), components))}</td></tr>" for p in params)
        out.append(f"<table><tr><th>parameter</th><th>in</th><th>required</th><th>type</th></tr>{rows}</table>")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        out.append("<h4>Request body</h4>" + _fields_table(body, components))
    rows = []
    for status, response in op.get("responses", {}).items():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        rows.append(f"<tr><td>{status}</td><td>{html.escape(response.get('description', ''))}</td>"
                    f"<td>{html.escape(_schema_text(schema, components))}</td></tr>")
    out.append(f"<table><tr><th>status</th><th>meaning</th><th>body</th></tr>{''.join(rows)}</table>")
    return "\n".join(out)


def html_page(doc: Dict[str, Any]) -> str:
    """The whole document as one self-contained HTML page: plain tables, no scripts, no CDN."""
    components = doc.get("components", {}).get("schemas", {})
    by_tag: Dict[str, List[str]] = {}
    index: List[str] = []
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            tag = (op.get("tags") or ["other"])[0]
            by_tag.setdefault(tag, []).append(_operation_html(path, method, op, components))
            index.append(f"<tr><td>{html.escape(tag)}</td><td><a href=\"#{html.escape(op['operationId'])}\">"
                         f"<code>{method.upper()} {html.escape(path)}</code></a></td>"
                         f"<td>{html.escape(op.get('summary', ''))}</td></tr>")
    sections = "".join(f"<h2>{html.escape(tag)}</h2>{''.join(ops)}" for tag, ops in sorted(by_tag.items()))
    schemes = "".join(f"<tr><td><code>{html.escape(n)}</code></td><td>{html.escape(s.get('description', ''))}</td></tr>"
                      for n, s in doc.get("components", {}).get("securitySchemes", {}).items())
    title = html.escape(doc.get("info", {}).get("title", "API"))
    return ("<!doctype html><html><head><meta charset=\"utf-8\"><title>" + title + "</title><style>"
            "body{font-family:sans-serif;max-width:70em;margin:auto;padding:1em}"
            "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em;"
            "text-align:left;vertical-align:top}code{font-size:.95em}</style></head><body>"
            f"<h1>{title} {html.escape(doc.get('info', {}).get('version', ''))}</h1>"
            f"<p>{html.escape(doc.get('info', {}).get('description', ''))}</p>"
            f"<p>The machine-readable document is at <a href=\"openapi.json\"><code>/openapi.json</code></a>.</p>"
            f"<h2>Authentication</h2><table>{schemes}</table>"
            f"<h2>Endpoints</h2><table><tr><th>capability</th><th>route</th><th>summary</th></tr>{''.join(index)}</table>"
            f"{sections}</body></html>")
