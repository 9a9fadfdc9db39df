"""The API description: built from the registered routes, or read from the copy bundled at packaging."""
import json
import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

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
