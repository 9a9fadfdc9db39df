"""The registry covers every route the app serves: a route that takes an id has a factory for it, a
route that takes a body has a recipe, a list is capped or says why it is bounded. Each failure names
the route and what to add (tests/security/factories.py or recipes.py)."""
import app
from crowdcart.api.openapi import build_document
from tests.security import catalogue
from tests.security.registry import FACTORIES, RECIPES, SPECIAL, UNPAGED, VARIANTS, kind_of, placeholders, recipes_of

ROUTES = catalogue.routes()
ALL_CAPABILITIES = app.enabled_capabilities() == tuple(app.CAPABILITIES)  # this process serves every route


def _fail_with(problems, advice):
    assert not problems, advice + "\n  - " + "\n  - ".join(problems)


def test_every_route_declares_its_auth():
    _fail_with([str(r) for r in ROUTES if not r.documented],
               "routes without @spec(auth=…): the security suite cannot tell who may call them")


def test_every_path_parameter_has_a_factory():
    missing = [f"{route}: `{{{param}}}` needs @factory({kind_of(route, param)!r}) — a function that makes one in a "
               f"given shop and returns its id (or map it to an existing kind in the route's recipe `params`)"
               for route in ROUTES for param in route.params if kind_of(route, param) not in FACTORIES]
    _fail_with(missing, "path parameters no factory in tests/security/factories.py can make:")


def test_every_route_with_a_body_or_required_header_has_a_recipe():
    missing = []
    for route in ROUTES:
        rec = RECIPES.get(route.key)
        if rec is not None and rec.positive:
            continue
        if route.request is not None and (rec is None or rec.body is None):
            missing.append(f"{route}: a valid body for {route.request.__name__}")
        required = [name for name, kind in route.headers.items() if str(kind) == "required" or str(kind).endswith("!")]
        for name in required:
            if rec is None or name not in rec.headers:
                missing.append(f"{route}: the required header {name}")
    _fail_with(missing, "add recipe(\"METHOD path\", body=…, headers=…) in tests/security/recipes.py for:")


def test_every_placeholder_names_a_factory():
    unknown = [f"{key} ({name}): {{{p}}}" for key in RECIPES for name, rec in recipes_of_key(key)
               for p in placeholders([rec.body, dict(rec.headers), dict(rec.query)])
               if p not in FACTORIES and p not in SPECIAL]
    unknown += [f"{key}: fills={rec.fills!r}" for key, rec in RECIPES.items() if rec.fills and rec.fills not in FACTORIES]
    _fail_with(unknown, "recipe placeholders no factory makes:")


def recipes_of_key(key):
    return [("main", RECIPES[key])] + VARIANTS.get(key, [])


def test_no_recipe_names_a_route_that_is_gone():
    if not ALL_CAPABILITIES:
        return  # a process serving some capabilities only cannot tell
    served = {r.key for r in ROUTES}
    stale = sorted(set(RECIPES) - served) + sorted(set(UNPAGED) - served)
    _fail_with(stale, "recipes for routes the app no longer serves (remove or rename them):")


def test_every_list_is_paged_with_a_filler_or_says_why_it_is_bounded():
    problems = []
    for route in ROUTES:
        if route.method != "GET":
            continue
        rec = RECIPES.get(route.key)
        if route.paged and route.key in UNPAGED:
            problems.append(f"{route}: declares `limit` but is listed in UNPAGED")
        elif route.paged and not (rec and (rec.fills or rec.unfilled)):
            problems.append(f"{route}: a paged list needs recipe(…, fills=<kind of one item>) so the page cap is tested")
        elif route.lists and not route.paged and route.key not in UNPAGED:
            problems.append(f"{route}: answers `items` without a `limit` query: page it (req.limit) or say in "
                            "UNPAGED why it is bounded")
    _fail_with(problems, "list routes:")


def _open_objects(schema, components, path="body", seen=()):
    """Object schemas in a request body that accept unknown properties."""
    if not isinstance(schema, dict):
        return []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return [] if name in seen else _open_objects(components[name], components, path, seen + (name,))
    found = []
    if schema.get("type") == "object" or "properties" in schema:
        if schema.get("additionalProperties", True) is not False:
            found.append(path)
        for prop, sub in (schema.get("properties") or {}).items():
            found += _open_objects(sub, components, f"{path}.{prop}", seen)
    for key in ("items", "anyOf", "oneOf", "allOf"):
        subs = schema.get(key)
        for sub in subs if isinstance(subs, list) else [subs] if subs else []:
            found += _open_objects(sub, components, f"{path}[]" if key == "items" else path, seen)
    return found


def test_every_request_body_refuses_unknown_fields():
    """Mass assignment, structurally: no request schema (at any depth) binds fields it does not declare."""
    document = build_document(app.app.routes)
    components = document["components"]["schemas"]
    open_ones = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
            for where in _open_objects(body.get("schema"), components):
                open_ones.append(f"{method.upper()} {path}: {where}")
    _fail_with(open_ones, "request schemas that accept unknown fields (subclass crowdcart.api.schemas.Strict):")
