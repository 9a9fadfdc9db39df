"""The probe registry: how to make, in a given shop, every kind of object a route can name, and how to
make a valid request of every route.

Two tables, filled by `tests/security/factories.py` and `tests/security/recipes.py`:

- FACTORIES: kind → a function that creates such an object in a given shop (through the HTTP API,
  as its rightful owner) and returns its id. A path parameter `{order_id}` is filled by the factory
  of kind `order_id`, unless the route's recipe maps it to another kind (`paid_order_id`…). One
  factory may provide several kinds at once (a product and its SKU), which then stay consistent.
- RECIPES: `METHOD path` → the Recipe of a valid request (body with `{kind}` placeholders, headers,
  query, which kind fills each path parameter, who the rightful caller is).

The security suite walks `catalogue.routes()` and fails, naming the route and the missing entry,
when a route has a path parameter no factory makes or a body no recipe gives.
"""
import itertools
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple

from tests.security.catalogue import Route

# ---------------------------------------------------------------- factories


@dataclass(frozen=True)
class Factory:
    """Makes objects of one or more kinds in a shop (see `factory`)."""

    name: str
    kinds: Tuple[str, ...]
    make: Callable[["Objects"], Any]
    owned: bool = False  # the object belongs to one shopper (orders, coupons, sessions)
    values: Tuple[str, ...] = ()  # kinds that are plain values, not objects: never swapped for another tenant's
    shared: str = ""  # why other shoppers of the shop may see that one shopper's object exists
    unknown: Optional[Callable[[], str]] = None  # a well-formed value that names nothing (default: a new id)

    @property
    def doc(self) -> str:
        """The first line of the factory's docstring."""
        return (self.make.__doc__ or self.name).strip().split("\n")[0]


FACTORIES: Dict[str, Factory] = {}  # kind → factory


def factory(*kinds: str, owned: bool = False, values: Tuple[str, ...] = (), shared: str = "",
            unknown: Optional[Callable[[], str]] = None) -> Callable:
    """Register `make(objects) -> id` (one kind) or `-> {kind: id}` (several) as the maker of `kinds`.

    `owned`: the objects belong to the shopper who made them; `shared`: why the shop's other shoppers
    may nevertheless learn that one exists (a bargain link is shared with friends). `values`: those of
    `kinds` that are plain values (an enum, the caller's own shop id), never swapped for another
    tenant's. `unknown`: makes a well-formed value naming nothing, when that is not a new id.
    """

    def register(make: Callable[["Objects"], Any]) -> Callable:
        made = Factory(make.__name__, kinds, make, owned=owned, values=tuple(values), shared=shared,
                       unknown=unknown)
        for kind in kinds:
            if kind in FACTORIES:
                raise ValueError(f"two factories make `{kind}`: {FACTORIES[kind].name} and {make.__name__}")
            FACTORIES[kind] = made
        return make

    return register


# ---------------------------------------------------------------- recipes


@dataclass(frozen=True)
class Recipe:
    """A valid request of one route, made by its rightful caller.

    body/headers/query take placeholders: `{<kind>}` is an object of that kind made in the caller's
    shop (as the caller, for owned kinds), `{unique}` a fresh token, `{now+N}` epoch seconds,
    `{shop_id}` / `{user_id}` the caller's shop and shopper.
    """

    body: Any = None
    params: Mapping[str, str] = field(default_factory=dict)  # path parameter → kind (default: its name)
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    ok: Tuple[int, ...] = ()  # success statuses (default: the @spec status)
    caller: str = "self"  # shopper routes: self | fresh (a new shopper, e.g. once-a-day actions) | friend
    owner_only: bool = False  # merchant routes only the owner's key may call (operator keys get 403)
    shared: str = ""  # why other shoppers of the same shop may use it on one shopper's object
    foreign: str = ""  # why a foreign id is answered like an unknown one with a 2xx instead of a 404
    positive: str = ""  # why the rightful request cannot be made here (it is then proven elsewhere)
    isolated: str = ""  # why the rightful request must run in a throwaway shop (it reconfigures the shop)
    fills: str = ""  # list routes: the kind of object one list item is (to fill a page)
    unfilled: str = ""  # list routes that cannot be filled here: why (their cap is then proven by the clamp only)
    items: str = "items"  # list routes: the key of the page's array


RECIPES: Dict[str, Recipe] = {}
VARIANTS: Dict[str, List[Tuple[str, Recipe]]] = {}  # more valid requests of a route (other ids in the body)
UNPAGED: Dict[str, str] = {}  # `GET path` of a list without `limit` → why it is bounded


def recipe(key: str, **kwargs: Any) -> Recipe:
    """Register the recipe of route `METHOD path`."""
    if key in RECIPES:
        raise ValueError(f"two recipes for {key}")
    RECIPES[key] = Recipe(**kwargs)
    return RECIPES[key]


def variant(key: str, name: str, **kwargs: Any) -> Recipe:
    """Register another valid request of route `METHOD path` (e.g. checkout with a coupon); it inherits
    the main recipe's fields unless given."""
    base = RECIPES[key]
    made = Recipe(**{**base.__dict__, **kwargs})
    VARIANTS.setdefault(key, []).append((name, made))
    return made


def recipes_of(route: Route) -> List[Tuple[str, Recipe]]:
    """The route's main recipe and its variants, named."""
    return [("main", recipe_of(route))] + VARIANTS.get(route.key, [])


def recipe_of(route: Route) -> Recipe:
    """The route's recipe; routes without a body, params or special needs get an empty one."""
    return RECIPES.get(route.key, Recipe())


def kind_of(route: Route, param: str) -> str:
    """The kind of object that fills path parameter `param` of `route`."""
    return recipe_of(route).params.get(param, param)


# ---------------------------------------------------------------- the world: shops, shoppers, objects


class FactoryError(AssertionError):
    """A factory could not make its object: the recipe or factory is out of date."""


@dataclass
class Shopper:
    """A logged-in shopper."""

    name: str
    token: str
    user_id: str


_codes = itertools.count()


class Tenant:
    """One shop: its owner key, more staff keys on demand, named shoppers and their objects."""

    def __init__(self, api: Any, platform_key: str, label: str) -> None:
        reply = api.request("POST", "/admin/v1/shops", {"name": f"Security {label}"}, token=platform_key)
        if reply.status != 201:
            raise FactoryError(f"POST /admin/v1/shops → {reply.status} {reply.body}")
        self.api, self.label, self.platform_key = api, label, platform_key
        self.shop_id, self.owner_key = reply.body["shop_id"], reply.body["api_key"]
        self._keys: Dict[str, str] = {"owner": self.owner_key}
        self._shoppers: Dict[str, Shopper] = {}
        self._objects: Dict[str, Objects] = {}
        self._scratch: List[Objects] = []

    def shopper(self, name: str = "x") -> Shopper:
        """The shop's shopper `name`, logged in once."""
        if name not in self._shoppers:
            reply = self.api.request("POST", "/v1/auth/login",
                                     {"shop_id": self.shop_id, "code": f"{self.label}-{name}#{next(_codes)}-{secrets.token_hex(4)}"})
            if reply.status != 200:
                raise FactoryError(f"login {name} → {reply.status} {reply.body}")
            self._shoppers[name] = Shopper(name, reply.body["token"], reply.body["user"]["id"])
        return self._shoppers[name]

    def fresh_shopper(self) -> Shopper:
        """A shopper nobody used yet."""
        return self.shopper(f"fresh{next(_codes)}")

    def key(self, role: str) -> str:
        """A staff key of `role` (owner, operator, viewer), created once."""
        if role not in self._keys:
            reply = self.api.request("POST", "/admin/v1/staff-keys", {"role": role, "label": role},
                                     token=self.owner_key)
            if reply.status != 201:
                raise FactoryError(f"POST /admin/v1/staff-keys → {reply.status} {reply.body}")
            self._keys[role] = reply.body["api_key"]
        return self._keys[role]

    def objects(self, shopper: str = "x") -> "Objects":
        """The objects made in this shop as shopper `shopper` (cached per kind)."""
        if shopper not in self._objects:
            self._objects[shopper] = Objects(self, self.shopper(shopper))
        return self._objects[shopper]

    def scratch(self, shopper: Optional[str] = "x") -> "Objects":
        """Objects of shopper `shopper` (None: a brand-new shopper) with an empty cache: all made anew."""
        made = Objects(self, self.shopper(shopper) if shopper else self.fresh_shopper())
        self._scratch.append(made)
        return made

    def secrets(self) -> List[str]:
        """Everything of this shop another tenant must never see: ids, keys, tokens."""
        found = [self.shop_id, *self._keys.values()]
        for who in self._shoppers.values():
            found += [who.user_id, who.token]
        for objects in list(self._objects.values()) + self._scratch:
            found += objects.made
        return found


class Objects:
    """Objects of one shop as one shopper: made by the factories on demand, cached per kind."""

    def __init__(self, tenant: Tenant, shopper: Shopper) -> None:
        self.tenant, self.shopper, self.api = tenant, shopper, tenant.api
        self._cache: Dict[str, str] = {}
        self.made: List[str] = []

    @property
    def shop_id(self) -> str:
        """The shop."""
        return self.tenant.shop_id

    def get(self, kind: str) -> str:
        """An object of `kind` (made once, then reused)."""
        if kind not in self._cache:
            self._cache.update(self._build(kind))
        return self._cache[kind]

    def fresh(self, kind: str) -> str:
        """A new object of `kind` (not cached)."""
        return self._build(kind)[kind]

    def _build(self, kind: str) -> Dict[str, str]:
        made = FACTORIES.get(kind)
        if made is None:
            raise FactoryError(f"no factory makes `{kind}`: add @factory({kind!r}) in tests/security/factories.py")
        result = made.make(self)
        out = result if isinstance(result, dict) else {kind: result}
        missing = [k for k in made.kinds if k not in out]
        if missing:
            raise FactoryError(f"factory {made.name} returned no {missing}")
        self.made += [str(v) for k, v in out.items() if k not in made.values]
        return {k: str(v) for k, v in out.items()}

    # helpers for factories

    def call(self, method: str, path: str, body: Any = None, *, token: Optional[str] = None,
             as_owner: bool = False, headers: Optional[Dict[str, str]] = None, expect: Tuple[int, ...] = (200, 201, 204)) -> Any:
        """One request as the shopper (default), the owner key (`as_owner`) or `token`; the JSON answer."""
        who = token or (self.tenant.owner_key if as_owner else self.shopper.token)
        reply = self.api.request(method, path, body, token=who, headers=headers)
        if reply.status not in expect:
            raise FactoryError(f"{method} {path} {body!r} → {reply.status} {reply.body}")
        return reply.body

    def owner(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        """One request with the shop owner's key."""
        return self.call(method, path, body, as_owner=True, **kw)


# ---------------------------------------------------------------- building requests

_PLACEHOLDER = re.compile(r"{([a-z_]+)([+-]\d+)?}")


def unique() -> str:
    """A token used once."""
    return f"{int(time.time() * 1000):x}{secrets.token_hex(6)}"


def placeholders(value: Any) -> List[str]:
    """The `{kind}` placeholders in a body/query/headers value."""
    if isinstance(value, str):
        return [m.group(1) for m in _PLACEHOLDER.finditer(value)]
    if isinstance(value, dict):
        return [p for v in value.values() for p in placeholders(v)]
    if isinstance(value, (list, tuple)):
        return [p for v in value for p in placeholders(v)]
    return []


SPECIAL = ("unique", "now", "shop_id", "user_id")


def fill(value: Any, objects: "Objects", override: Optional[Mapping[str, str]] = None) -> Any:
    """`value` with its placeholders replaced (a whole-string `{now+N}` becomes an integer)."""
    override = override or {}

    def one(match: "re.Match[str]") -> str:
        name, offset = match.group(1), int(match.group(2) or 0)
        if name in override:
            return override[name]
        if name == "unique":
            return unique()
        if name == "now":
            return str(int(time.time()) + offset)
        if name == "shop_id":
            return objects.shop_id
        if name == "user_id":
            return objects.shopper.user_id
        return objects.get(name)

    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole and whole.group(1) == "now":
            return int(one(whole))
        return _PLACEHOLDER.sub(one, value)
    if isinstance(value, dict):
        return {k: fill(v, objects, override) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, objects, override) for v in value]
    return value


@dataclass
class Request:
    """A concrete request: path with ids, body, headers; and the ids it named."""

    method: str
    path: str
    body: Any
    headers: Dict[str, str]
    ids: Dict[str, str]  # path parameter → id

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def build(route: Route, objects: "Objects", *, rec: Optional[Recipe] = None, path_objects: Optional["Objects"] = None,
          path_ids: Optional[Mapping[str, str]] = None) -> Request:
    """The route's recipe (or `rec`) made concrete: path parameters from `path_objects` (default
    `objects`), overridden by `path_ids`; body, headers and query from `objects`."""
    rec = rec or recipe_of(route)
    source = path_objects or objects
    ids = {param: source.get(rec.params.get(param, param)) for param in route.params
           if param not in (path_ids or {})}
    ids.update(path_ids or {})
    path = route.path
    for param, ident in ids.items():
        path = path.replace("{" + param + "}", ident)
    query = fill(dict(rec.query), objects)
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return Request(route.method, path, fill(rec.body, objects), fill(dict(rec.headers), objects), ids)


def probed_params(route: Route) -> List[str]:
    """Path parameters that name objects (not plain values such as a campaign kind)."""
    out = []
    for param in route.params:
        kind = kind_of(route, param)
        made = FACTORIES.get(kind)
        if made is None or kind not in made.values:
            out.append(param)
    return out


def unknown_value(kind: str) -> str:
    """A well-formed value of `kind` that names no object."""
    from crowdcart.ids import new_id

    made = FACTORIES.get(kind)
    return made.unknown() if made is not None and made.unknown is not None else new_id()


def owned_params(route: Route) -> List[str]:
    """Path parameters that name one shopper's objects."""
    return [p for p in route.params if (FACTORIES.get(kind_of(route, p)) or Factory("", (), lambda o: None)).owned]


@dataclass
class Caller:
    """Who makes a route's rightful request, and whose objects fill it."""

    token: Optional[str]
    objects: Optional["Objects"]  # body, headers and query placeholders
    path_objects: Optional["Objects"]  # path parameters


def rightful(route: Route, tenant: Tenant, *, scratch: bool = False) -> Caller:
    """The caller the route is for, in `tenant`, with the tenant's cached objects (or all-new ones)."""
    rec = recipe_of(route)

    def objects(shopper: Optional[str] = "x") -> Objects:
        return tenant.scratch(shopper) if scratch or shopper is None else tenant.objects(shopper)

    if route.auth == "shopper":
        if rec.caller == "fresh":
            made = objects(None)
            return Caller(made.shopper.token, made, made)
        if rec.caller == "friend":
            owner, friend = objects("x"), objects("y")
            return Caller(friend.shopper.token, friend, owner)
        made = objects("x")
        return Caller(made.shopper.token, made, made)
    made = objects("x")
    token = {"merchant": tenant.owner_key, "platform": tenant.platform_key}.get(route.auth)
    return Caller(token, made, made)
