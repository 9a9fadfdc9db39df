"""Catalog data access: loads with 404s, batch reads, retried updates, and filtered pages behind signed cursors."""
import random
import time
from itertools import islice
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from pynamodb.exceptions import DoesNotExist, UpdateError

from crowdcart.db.models.catalog import Category, Product, SearchEntry, Sku
from crowdcart.db.writes import update_if
from crowdcart.errors import BadRequest, NotFound, ServiceUnavailable, not_found
from crowdcart.ids import is_id
from crowdcart.pagination import decode_cursor, encode_cursor

MAX_EVALUATED = 500  # items one filtered page may read before it returns (short) with a cursor


def get_category(shop_id: str, category_id: str, field: str = "category_id") -> Category:
    """The shop's category; 404 naming `field` when it is not there."""
    if is_id(category_id):
        try:
            return Category.get(*Category.key(shop_id, category_id))
        except DoesNotExist:
            pass
    raise NotFound("category_not_found", f"No category {category_id} here.", field=field)


def categories(shop_id: str) -> List[Category]:
    """Every category of the shop (a small partition, read whole)."""
    pk, _ = Category.key(shop_id, "")
    return list(Category.query(pk, Category.SK.startswith("CATEGORY#")))


def get_product(shop_id: str, product_id: str, consistent: bool = False) -> Product:
    """The shop's product; 404 otherwise."""
    if is_id(product_id):
        try:
            return Product.get(*Product.key(shop_id, product_id), consistent_read=consistent)
        except DoesNotExist:
            pass
    raise not_found("product", product_id)


def get_sku(shop_id: str, sku_id: str, consistent: bool = False) -> Sku:
    """The shop's SKU; 404 otherwise."""
    if is_id(sku_id):
        try:
            return Sku.get(*Sku.key(shop_id, sku_id), consistent_read=consistent)
        except DoesNotExist:
            pass
    raise not_found("sku", sku_id)


def skus_by_id(shop_id: str, sku_ids: Iterable[str], consistent: bool = False) -> Dict[str, Sku]:
    """The SKUs named, in BatchGetItem calls of up to 100 keys."""
    wanted = {Sku.key(shop_id, sku_id) for sku_id in sku_ids}
    if not wanted:
        return {}
    return {sku.sku_id: sku for sku in Sku.batch_get(wanted, consistent_read=consistent)}


def products_by_id(shop_id: str, product_ids: Iterable[str]) -> Dict[str, Product]:
    """The products named (missing ones are left out)."""
    wanted = {Product.key(shop_id, product_id) for product_id in product_ids}
    if not wanted:
        return {}
    return {product.product_id: product for product in Product.batch_get(wanted)}


def update_item(label: str, model: Any, actions: List[Any], condition: Any = None, attempts: int = 8) -> Any:
    """`update_if`, retried while a transaction (a checkout, a product change) holds the item."""
    delay = 0.01
    for _ in range(attempts):
        try:
            return update_if(label, model, actions, condition)
        except UpdateError as exc:
            if exc.cause_response_code != "TransactionConflictException":
                raise
        time.sleep(random.uniform(0, delay))
        delay = min(delay * 2, 0.2)
    raise ServiceUnavailable("busy", "Too many changes to this item at once; please retry.")


def _raw_key(item: Any, attributes: Sequence[str]) -> Dict[str, Dict[str, str]]:
    return {name: {"S": getattr(item, name)} for name in attributes}


class Source:
    """One ordered DynamoDB query a list reads from, named so a cursor cannot be replayed elsewhere."""

    def __init__(self, name: str, query: Callable[[Optional[Dict[str, Any]], int], Iterator[Any]],
                 key_attributes: Sequence[str]) -> None:
        self.name = name
        self.query = query
        self.key_attributes = tuple(key_attributes)


def product_source(shop_id: str, category: Optional[Category], on_shelf_only: bool) -> Source:
    """Products newest first: the whole shop (GSI1), a root category and its children (GSI3) or a sub-category (GSI2)."""
    if category is None:
        index, attrs = Product.gsi1, ("GSI1PK", "GSI1SK")
    elif category.parent_id is None:
        index, attrs = Product.gsi3, ("GSI3PK", "GSI3SK")
    else:
        index, attrs = Product.gsi2, ("GSI2PK", "GSI2SK")
    partition = Product.list_partition(shop_id, category.category_id if category else None)
    condition = getattr(Product, attrs[1]).startswith("ON#") if on_shelf_only else None

    def query(start: Optional[Dict[str, Any]], page_size: int) -> Iterator[Any]:
        return index.query(partition, condition, scan_index_forward=False, page_size=page_size,
                           last_evaluated_key=start)

    name = f"products:{'shelf' if on_shelf_only else 'all'}:{category.category_id if category else '*'}"
    return Source(name, query, ("PK", "SK") + attrs)


def search_source(shop_id: str, token: str) -> Source:
    """Search entries of one token, newest product first."""
    partition = SearchEntry.partition(shop_id, token)

    def query(start: Optional[Dict[str, Any]], page_size: int) -> Iterator[Any]:
        return SearchEntry.query(partition, scan_index_forward=False, page_size=page_size, last_evaluated_key=start)

    return Source(f"search:{token}", query, ("PK", "SK"))


def count_entries(shop_id: str, token: str, cap: int) -> int:
    """How many products carry `token`, counted up to `cap`."""
    return SearchEntry.count(SearchEntry.partition(shop_id, token), limit=cap)


def start_key(shop_id: str, cursor: Optional[str], source_name: str) -> Optional[Dict[str, Any]]:
    """The ExclusiveStartKey inside a cursor made for this shop and this list; 400 otherwise."""
    payload = decode_cursor(shop_id, cursor)
    if payload is None:
        return None
    if not isinstance(payload, dict) or payload.get("list") != source_name or not isinstance(payload.get("key"), dict):
        raise BadRequest("invalid_cursor", "cursor is not one this API returned for this list.", field="cursor")
    return payload["key"]


def cursor_list(shop_id: str, cursor: Optional[str]) -> Optional[str]:
    """The list name a cursor was made for (None without a cursor); 400 when it is not ours."""
    payload = decode_cursor(shop_id, cursor)
    if payload is None:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("list"), str):
        raise BadRequest("invalid_cursor", "cursor is not one this API returned for this list.", field="cursor")
    return payload["list"]


def read_page(shop_id: str, source: Source, cursor: Optional[str], limit: int,
              accept: Optional[Callable[[List[Any]], List[Any]]] = None) -> Tuple[List[Any], Optional[str]]:
    """Up to `limit` results of `source` after `cursor`, and the cursor for the next page.

    `accept` maps a chunk of raw items to the results they yield (None per rejected item); a
    filtered page stops after MAX_EVALUATED items and may then be short, with a cursor.
    """
    start = start_key(shop_id, cursor, source.name)
    chunk_size = limit if accept is None else min(100, max(limit, 25))
    items = source.query(start, chunk_size)
    results: List[Any] = []
    evaluated = 0
    while True:
        chunk = list(islice(items, chunk_size))
        outcomes = chunk if accept is None else accept(chunk)
        for raw, outcome in zip(chunk, outcomes):
            evaluated += 1
            if outcome is not None:
                results.append(outcome)
            if len(results) == limit:
                return results, _next_cursor(shop_id, source, raw)
        if len(chunk) < chunk_size:
            return results, None
        if evaluated >= MAX_EVALUATED:
            return results, _next_cursor(shop_id, source, chunk[-1])


def _next_cursor(shop_id: str, source: Source, last: Any) -> str:
    return encode_cursor(shop_id, {"list": source.name, "key": _raw_key(last, source.key_attributes)})
