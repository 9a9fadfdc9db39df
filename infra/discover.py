"""What the app registers, by capability: routes, Lambda handlers and the deployable OpenAPI document.

Imports `app` with every capability enabled, so run it where `.` and `layers` are importable
(pytest, or `python -m infra.discover`, which infra/build.py runs with PYTHONPATH set).
"""
import json
import os
import sys
from typing import Any, Dict, List, Mapping

from crowdcart.api.openapi import build_document, capability_of, iter_routes, route_spec, view_module


def _capability(module: str, owners: Mapping[str, str]) -> str:
    cap = owners.get(module) or capability_of(module)
    if cap is None:
        raise ValueError(f"{module} is not inside a capability (functions/<cap>/): move it there")
    return cap


def describe(application: Any, capabilities: Mapping[str, Any]) -> Dict[str, Any]:
    """Routes and handlers of a Chalice `application`, each with its capability, plus the AWS OpenAPI document."""
    owners = {module: cap for cap, modules in capabilities.items() for module in modules}
    routes: List[Dict[str, Any]] = []
    deployed: Dict[str, Dict[str, Any]] = {}
    for path, method, entry in iter_routes(application.routes):
        module = view_module(entry.view_function)
        meta = route_spec(entry.view_function)
        local_only = bool(meta and meta.get("local_only"))
        routes.append({"path": path, "method": method, "module": module, "view": entry.view_name,
                       "capability": _capability(module, owners), "has_spec": meta is not None,
                       "local_only": local_only})
        if not local_only:
            deployed.setdefault(path, {})[method] = entry
    handlers = []
    for kind, items in (("lambda_function", application.pure_lambda_functions),
                        ("event_source", application.event_sources)):
        for item in items:
            module = item.handler_string.rsplit(".", 1)[0]
            handlers.append({"name": item.name, "handler": item.handler_string, "kind": kind,
                             "type": type(item).__name__, "capability": _capability(module, owners)})
    return {"capabilities": list(capabilities), "routes": routes, "handlers": handlers,
            "openapi": build_document(deployed)}


def main() -> int:
    """Print `describe()` of the whole app as JSON (every capability enabled)."""
    os.environ.pop("CROWDCART_CAPABILITIES", None)
    import app

    json.dump(describe(app.app, app.CAPABILITIES), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
