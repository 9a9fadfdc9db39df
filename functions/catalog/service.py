"""Catalog use cases: categories, products with SKUs and search entries, stock and price, browsing and search.

Writes that span several items are single transactions guarded by conditions; changes that
depend on what a product holds (its title's tokens, its SKUs' prices) are read, planned and
committed only if the product's `version` is still the one read (optimistic locking, retried).
"""
import random
import time
from typing import Any, Callable, Dict, List, Optional, Tuple, TypeVar

from crowdcart.clock import now
from crowdcart.db.models.catalog import Category, Product, SearchEntry, Sku
from crowdcart.db.writes import MAX_ACTIONS, ConditionFailed, Transaction, TransactionConflict, run_transaction
from crowdcart.domain import search
from crowdcart.errors import BadRequest, Conflict, NotFound, Unprocessable, not_found, validation_error
from crowdcart.ids import new_id
from crowdcart.observability import business_event
from functions.catalog import store

T = TypeVar("T")
VERSION_ATTEMPTS = 10
COUNT_CAP = 200  # search-entry counts stop here when picking the most selective token


# ---------------------------------------------------------------- categories

def create_category(shop_id: str, name: str, parent_id: Optional[str], sort: int) -> Dict[str, str]:
    """A root category, or a child of a root (the parent's existence and level are checked by DynamoDB)."""
    category_id = new_id()
    record = Category(*Category.key(shop_id, category_id), category_id=category_id, name=name,
                      parent_id=parent_id, sort=sort)

    def build() -> Transaction:
        tx = Transaction()
        tx.put("category", record, Category.PK.does_not_exist())
        if parent_id:
            tx.check("parent", Category, *Category.key(shop_id, parent_id),
                     condition=Category.PK.exists() & Category.parent_id.does_not_exist())
        return tx

    try:
        run_transaction(build)
    except ConditionFailed as exc:
        if exc.label != "parent":
            raise
        store.get_category(shop_id, parent_id, field="parent_id")  # 404 when it is not there
        raise Unprocessable("category_too_deep", "parent_id: categories have two levels; the parent must be a root.",
                            field="parent_id") from exc
    return {"id": category_id}


def _category_view(category: Category) -> Dict[str, Any]:
    return {"id": category.category_id, "name": category.name, "parent_id": category.parent_id,
            "sort": category.sort}


def _ordered(categories: List[Category]) -> List[Category]:
    return sorted(categories, key=lambda c: (c.sort, c.category_id))


def list_categories(shop_id: str) -> List[Dict[str, Any]]:
    """Every category, flat, roots and children alike."""
    return [_category_view(c) for c in _ordered(store.categories(shop_id))]


def category_tree(shop_id: str) -> List[Dict[str, Any]]:
    """Roots with their children, each level in (sort, creation) order."""
    everything = _ordered(store.categories(shop_id))
    children: Dict[str, List[Dict[str, Any]]] = {}
    for category in everything:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(dict(_category_view(category), children=[]))
    return [dict(_category_view(c), children=children.get(c.category_id, []))
            for c in everything if not c.parent_id]


# ---------------------------------------------------------------- product writes

def _title_tokens(title: str) -> List[str]:
    tokens = search.index_tokens(title)
    if len(tokens) > search.MAX_TITLE_TOKENS:
        raise validation_error("title", f"too many distinct words for the search index ({len(tokens)} terms, "
                                        f"at most {search.MAX_TITLE_TOKENS}); shorten it")
    return tokens


def _root_of(category: Optional[Category]) -> Optional[str]:
    if category is None:
        return None
    return category.parent_id or category.category_id


def _search_entry(shop_id: str, token: str, product_id: str, title: str) -> SearchEntry:
    return SearchEntry(*SearchEntry.key(shop_id, token, product_id), product_id=product_id, title=title)


def create_product(shop_id: str, fields: Dict[str, Any], skus: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Product, SKUs and search entries in one transaction; returns the ids."""
    tokens = _title_tokens(fields["title"])
    category = store.get_category(shop_id, fields["category_id"]) if fields.get("category_id") else None
    product_id, created = new_id(), now()
    on_shelf, images = fields.get("on_shelf", True), fields.get("images") or []
    rows = [dict(sku, id=new_id()) for sku in skus]
    product = Product(*Product.key(shop_id, product_id), product_id=product_id, title=fields["title"],
                      description=fields.get("description") or "", images=images,
                      category_id=fields.get("category_id"), kind=fields.get("kind", "physical"),
                      on_shelf=on_shelf, virtual_sales=fields.get("virtual_sales", 0),
                      sku_ids=[row["id"] for row in rows], min_price_fen=min(row["price_fen"] for row in rows),
                      created_at=created, updated_at=created, version=0,
                      **_present(Product.index_keys(shop_id, product_id, on_shelf, fields.get("category_id"),
                                                    _root_of(category))))

    def build() -> Transaction:
        tx = Transaction()
        tx.put("product", product, Product.PK.does_not_exist())
        for row in rows:
            tx.put("sku", Sku(*Sku.key(shop_id, row["id"]), sku_id=row["id"], product_id=product_id,
                              product_title=product.title, category_id=product.category_id, kind=product.kind,
                              spec=row["spec"], price_fen=row["price_fen"], stock=row["stock"], sales=0,
                              on_shelf=on_shelf, image=row.get("image") or (images[0] if images else None)),
                   Sku.PK.does_not_exist())
        for token in tokens:
            tx.put("search", _search_entry(shop_id, token, product_id, product.title))
        if category is not None:
            tx.check("category", Category, *Category.key(shop_id, category.category_id), Category.PK.exists())
        return tx

    run_transaction(build)
    business_event("ProductCreated", shop_id=shop_id, product_id=product_id, skus=len(rows))
    return {"id": product_id, "skus": [{"id": r["id"], "spec": r["spec"], "price_fen": r["price_fen"],
                                        "stock": r["stock"]} for r in rows]}


def _present(values: Dict[str, Optional[str]]) -> Dict[str, str]:
    return {k: v for k, v in values.items() if v is not None}


def _index_actions(shop_id: str, product: Product, on_shelf: bool, category: Optional[Category]) -> List[Any]:
    """Set (or remove) the product's GSI keys for this shelf state and category."""
    keys = Product.index_keys(shop_id, product.product_id, on_shelf,
                              category.category_id if category else None, _root_of(category))
    return [getattr(Product, name).set(value) if value is not None else getattr(Product, name).remove()
            for name, value in keys.items()]


def _version_guard(version: int) -> Any:
    """The product is still at `version` (items written before versions existed count as 0)."""
    if version == 0:
        return Product.version.does_not_exist() | (Product.version == 0)
    return Product.version == version


class _Plan:
    """The writes of one product change: product updates, search entries, SKU mirrors."""

    def __init__(self) -> None:
        self.content: List[Any] = []
        self.shelf: List[Any] = []
        self.search_puts: List[SearchEntry] = []
        self.search_deletes: List[SearchEntry] = []
        self.sku_actions: List[Any] = []


def _plan_update(shop_id: str, product: Product, changes: Dict[str, Any]) -> Tuple[_Plan, Optional[Category]]:
    plan = _Plan()
    category = None
    category_id = changes["category_id"] if "category_id" in changes else product.category_id
    if category_id:
        category = store.get_category(shop_id, category_id)
    on_shelf = changes.get("on_shelf", product.on_shelf)
    if "title" in changes:
        old, new = set(search.index_tokens(product.title)), set(_title_tokens(changes["title"]))
        plan.search_puts = [_search_entry(shop_id, t, product.product_id, changes["title"]) for t in sorted(new)]
        plan.search_deletes = [SearchEntry(*SearchEntry.key(shop_id, t, product.product_id)) for t in sorted(old - new)]
        plan.content.append(Product.title.set(changes["title"]))
        plan.sku_actions.append(Sku.product_title.set(changes["title"]))
    for name in ("description", "images", "virtual_sales"):
        if name in changes:
            plan.content.append(getattr(Product, name).set(changes[name]))
    if "category_id" in changes:
        plan.content.append(Product.category_id.set(category_id) if category_id else Product.category_id.remove())
        plan.sku_actions.append(Sku.category_id.set(category_id) if category_id else Sku.category_id.remove())
    if "on_shelf" in changes:
        plan.shelf.append(Product.on_shelf.set(on_shelf))
        plan.sku_actions.append(Sku.on_shelf.set(on_shelf))
    return plan, category


def update_product(shop_id: str, product_id: str, changes: Dict[str, Any]) -> Dict[str, Any]:
    """Apply a partial change; title → search entries, shelf/title/category → the SKUs' copies too."""
    if not changes:
        raise validation_error("body", "send at least one field to change")

    def attempt() -> None:
        product = store.get_product(shop_id, product_id, consistent=True)
        plan, category = _plan_update(shop_id, product, changes)
        try:
            _commit_update(shop_id, product, plan, category, changes.get("on_shelf", product.on_shelf))
        except ConditionFailed as exc:
            if exc.label == "category":
                raise NotFound("category_not_found", f"No category {changes.get('category_id')} here.",
                               field="category_id") from exc
            raise

    _retrying(attempt)
    business_event("ProductUpdated", shop_id=shop_id, product_id=product_id, fields=sorted(changes))
    return product_detail(shop_id, product_id, shopper=False, consistent=True)


def _retrying(attempt: Callable[[], T]) -> T:
    """Run a read-plan-commit attempt until it commits; when the product's version moved or another
    transaction got in the way, read and plan again (jittered backoff); 409 after VERSION_ATTEMPTS."""
    delay = 0.01
    for _ in range(VERSION_ATTEMPTS):
        try:
            return attempt()
        except TransactionConflict:
            pass
        except ConditionFailed as exc:
            if exc.label != "product":
                raise
        time.sleep(random.uniform(0, delay))
        delay = min(delay * 2, 0.2)
    raise Conflict("product_busy", "The product is being changed by someone else; retry.")


def _commit_update(shop_id: str, product: Product, plan: _Plan, category: Optional[Category], on_shelf: bool) -> None:
    """One transaction when it fits; otherwise title/search first, then product shelf state with its SKUs."""
    version, moment = product.version or 0, now()
    sku_updates = [Sku(*Sku.key(shop_id, sku_id)) for sku_id in product.sku_ids] if plan.sku_actions else []
    search_count = len(plan.search_puts) + len(plan.search_deletes)
    category_check = 1 if category is not None else 0
    stages: List[Tuple[List[Any], bool, bool]]  # (product actions, with search entries, with SKUs)
    if 1 + search_count + len(sku_updates) + category_check <= MAX_ACTIONS:
        stages = [(plan.content + plan.shelf, True, True)]
    else:
        stages = [(plan.content, True, False), (plan.shelf, False, True)]
    for number, (actions, with_search, with_skus) in enumerate(stages):
        shelf_now = on_shelf if with_skus else product.on_shelf
        tx = Transaction()
        tx.update("product", Product(*Product.key(shop_id, product.product_id)),
                  actions + _index_actions(shop_id, product, shelf_now, category)
                  + [Product.version.set(version + number + 1), Product.updated_at.set(moment)],
                  condition=_version_guard(version + number))
        if with_search:
            for entry in plan.search_deletes:
                tx.delete("search", entry)
            for entry in plan.search_puts:
                tx.put("search", entry)
            if category is not None:
                tx.check("category", Category, *Category.key(shop_id, category.category_id), Category.PK.exists())
        if with_skus:
            for sku in sku_updates:
                tx.update("sku", sku, plan.sku_actions, condition=Sku.PK.exists())
        tx.commit()


# ---------------------------------------------------------------- SKUs: stock and price

def change_stock(shop_id: str, sku_id: str, stock: Optional[int], delta: Optional[int],
                 expected: Optional[int]) -> Dict[str, Any]:
    """Set the stock (only if it is still `expected`, when given) or add `delta` without going below 0."""
    if (stock is None) == (delta is None):
        raise validation_error("stock", "send exactly one of stock or delta")
    if delta is not None and expected is not None:
        raise validation_error("expected_stock", "goes with stock, not with delta")
    model = Sku(*Sku.key(shop_id, sku_id))
    if stock is not None:
        actions = [Sku.stock.set(stock)]
        condition = (Sku.stock == expected) if expected is not None else None
    else:
        actions = [Sku.stock.set(Sku.stock + delta)]
        condition = (Sku.stock >= -delta) if delta < 0 else None
    try:
        updated = store.update_item("sku", model, actions, condition)
    except ConditionFailed as exc:
        current = store.get_sku(shop_id, sku_id, consistent=True).stock  # 404 when it does not exist
        if delta is not None:
            raise Conflict("insufficient_stock", f"Stock is {current}; it cannot go below 0.",
                           stock=current) from exc
        raise Conflict("stock_changed", f"Stock is {current}, not {expected}.", stock=current) from exc
    business_event("StockChanged", shop_id=shop_id, sku_id=sku_id, stock=updated.stock)
    return {"id": sku_id, "stock": updated.stock}


def update_sku(shop_id: str, sku_id: str, price_fen: Optional[int], spec: Optional[str]) -> Dict[str, Any]:
    """Change a SKU's price or spec; the product's lowest price moves in the same transaction."""
    if price_fen is None and spec is None:
        raise validation_error("price_fen", "send price_fen or spec")
    sku = store.get_sku(shop_id, sku_id, consistent=True)

    def attempt() -> None:
        product = store.get_product(shop_id, sku.product_id, consistent=True)
        siblings = store.skus_by_id(shop_id, product.sku_ids, consistent=True)
        if spec is not None and any(s.spec.casefold() == spec.casefold() for k, s in siblings.items() if k != sku_id):
            raise Conflict("duplicate_spec", f"Another SKU of this product is already {spec!r}.", field="spec")
        prices = [price_fen if k == sku_id and price_fen is not None else s.price_fen for k, s in siblings.items()]
        version = product.version or 0
        tx = Transaction()
        tx.update("sku", Sku(*Sku.key(shop_id, sku_id)),
                  ([Sku.price_fen.set(price_fen)] if price_fen is not None else [])
                  + ([Sku.spec.set(spec)] if spec is not None else []), condition=Sku.PK.exists())
        tx.update("product", Product(*Product.key(shop_id, product.product_id)),
                  [Product.min_price_fen.set(min(prices)), Product.version.set(version + 1),
                   Product.updated_at.set(now())], condition=_version_guard(version))
        tx.commit()

    _retrying(attempt)
    business_event("SkuUpdated", shop_id=shop_id, sku_id=sku_id)
    return _sku_view(store.get_sku(shop_id, sku_id, consistent=True), merchant=True)


# ---------------------------------------------------------------- reads

def _sku_view(sku: Sku, merchant: bool) -> Dict[str, Any]:
    view = {"id": sku.sku_id, "spec": sku.spec, "price_fen": sku.price_fen, "stock": sku.stock, "image": sku.image}
    if merchant:
        view["sales"] = sku.sales
    return view


def _summary(product: Product, skus: Dict[str, Sku], merchant: bool) -> Dict[str, Any]:
    own = [skus[k] for k in product.sku_ids if k in skus]
    view = {"id": product.product_id, "title": product.title, "images": list(product.images or []),
            "category_id": product.category_id, "kind": product.kind,
            "min_price_fen": min((s.price_fen for s in own), default=product.min_price_fen),
            "sales": (product.virtual_sales or 0) + sum(s.sales or 0 for s in own),
            "in_stock": any((s.stock or 0) > 0 for s in own)}
    if merchant:
        view["on_shelf"] = product.on_shelf
    return view


def product_detail(shop_id: str, product_id: str, shopper: bool, consistent: bool = False) -> Dict[str, Any]:
    """One product with its SKUs; shoppers get 404 for a product that is off the shelf."""
    product = store.get_product(shop_id, product_id, consistent=consistent)
    if shopper and not product.on_shelf:
        raise not_found("product", product_id)
    skus = store.skus_by_id(shop_id, product.sku_ids, consistent=consistent)
    view = dict(_summary(product, skus, merchant=not shopper), description=product.description,
                skus=[_sku_view(skus[k], merchant=not shopper) for k in product.sku_ids if k in skus])
    if not shopper:
        view["virtual_sales"] = product.virtual_sales
    return view


def _summaries(shop_id: str, products: List[Optional[Product]], merchant: bool) -> List[Optional[Dict[str, Any]]]:
    sku_ids = [k for p in products if p is not None for k in p.sku_ids]
    skus = store.skus_by_id(shop_id, sku_ids)
    return [_summary(p, skus, merchant) if p is not None else None for p in products]


def list_products(shop_id: str, *, shopper: bool, category_id: Optional[str] = None, query: Optional[str] = None,
                  cursor: Optional[str] = None, limit: int = 20) -> Dict[str, Any]:
    """A page of products, newest first: shoppers see the shelf only; `q` searches titles."""
    category = store.get_category(shop_id, category_id) if category_id else None
    if query is not None and query.strip():
        return _search(shop_id, query, category, shopper, cursor, limit)
    source = store.product_source(shop_id, category, on_shelf_only=shopper)
    page, next_cursor = store.read_page(shop_id, source, cursor, limit)
    return {"items": _summaries(shop_id, page, merchant=not shopper), "next_cursor": next_cursor}


def _search(shop_id: str, query: str, category: Optional[Category], shopper: bool, cursor: Optional[str],
            limit: int) -> Dict[str, Any]:
    """Read the most selective token's entries, keep titles matching every term, then the shelf state."""
    if len(query) > search.MAX_QUERY_CHARS:
        raise BadRequest("invalid_query", f"q must be at most {search.MAX_QUERY_CHARS} characters.", field="q")
    terms = search.parse_query(query)
    if not terms:
        return {"items": [], "next_cursor": None}
    allowed = _category_ids(shop_id, category)
    token = _token_for(shop_id, terms, cursor)
    if token is None:
        return {"items": [], "next_cursor": None}

    def keep(product: Optional[Product]) -> bool:
        return (product is not None and (product.on_shelf or not shopper) and search.matches(product.title, terms)
                and (allowed is None or product.category_id in allowed))

    if token == "":  # only one-character terms: filter the shelf (or the category) itself
        source = store.product_source(shop_id, category, on_shelf_only=shopper)

        def accept(chunk: List[Product]) -> List[Optional[Dict[str, Any]]]:
            return _summaries(shop_id, [p if keep(p) else None for p in chunk], merchant=not shopper)
    else:
        source = store.search_source(shop_id, token)

        def accept(chunk: List[SearchEntry]) -> List[Optional[Dict[str, Any]]]:
            hits = [e.product_id for e in chunk if search.matches(e.title, terms)]
            products = store.products_by_id(shop_id, hits)
            chosen = [products.get(e.product_id) for e in chunk]
            return _summaries(shop_id, [p if keep(p) else None for p in chosen], merchant=not shopper)

    page, next_cursor = store.read_page(shop_id, source, cursor, limit, accept)
    return {"items": page, "next_cursor": next_cursor}


def _category_ids(shop_id: str, category: Optional[Category]) -> Optional[set]:
    """The category and, for a root, its children (None = no category filter)."""
    if category is None:
        return None
    if category.parent_id:
        return {category.category_id}
    return {category.category_id} | {c.category_id for c in store.categories(shop_id)
                                     if c.parent_id == category.category_id}


def _token_for(shop_id: str, terms: List[search.Term], cursor: Optional[str]) -> Optional[str]:
    """The token partition to read: the cursor's, or the smallest by count; "" = no token; None = no match."""
    candidates = search.candidate_tokens(terms)
    listed = store.cursor_list(shop_id, cursor)
    if listed is not None:
        token = listed.split(":", 1)[1] if listed.startswith("search:") else ""
        if (token and token not in candidates) or (not token and candidates):
            raise BadRequest("invalid_cursor", "cursor belongs to another search.", field="cursor")
        return token
    if not candidates:
        return ""
    counted = []
    for token in candidates:
        count = store.count_entries(shop_id, token, COUNT_CAP)
        if count == 0:
            return None  # a term no title has: nothing can match
        counted.append((count, -len(token), token))
    return min(counted)[2]
