"""DynamoDB access of the stores capability: the shop's store partition and the GSI1 geo index."""
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from pynamodb.exceptions import DoesNotExist

from crowdcart.db.models.stores import Store, geo_partition, stores_pk
from crowdcart.db.writes import put_unique, update_if
from crowdcart.errors import not_found

_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="geo-query")  # reused while the Lambda is warm
RANGE_END = "~"  # sorts after every geohash character and '#', so `cell~` closes a prefix range


def add(store: Store) -> None:
    """Create a store (its id is new, so the put is conditional only as a guard)."""
    put_unique("store", store)


def add_many(stores: Iterable[Store]) -> None:
    """Write many new stores with BatchWriteItem (25 per request; unprocessed items are retried)."""
    with Store.batch_write() as batch:
        for store in stores:
            batch.save(store)


def get(shop_id: str, store_id: str, consistent: bool = False) -> Store:
    """The store of this shop; 404 when absent."""
    try:
        return Store.get(*Store.key(shop_id, store_id), consistent_read=consistent)
    except DoesNotExist as exc:
        raise not_found("store", store_id) from exc


def page(shop_id: str, limit: int, start: Optional[Dict[str, Any]]) -> Tuple[List[Store], Optional[Dict[str, Any]]]:
    """One page of the shop's stores in id (creation) order, and the key to continue from."""
    result = Store.query(stores_pk(shop_id), Store.SK.startswith("STORE#"), limit=limit, last_evaluated_key=start)
    stores = list(result)
    return stores, result.last_evaluated_key


def update_versioned(store: Store, actions: List[Any]) -> Store:
    """Apply `actions` only if nobody changed the store since it was read (ConditionFailed otherwise)."""
    return update_if("store", store, actions + [Store.version.set(store.version + 1)],
                     condition=Store.version == store.version)


def _run(shop_id: str, run: Tuple[str, str, str]) -> Tuple[List[Store], int]:
    prefix, first, last = run
    result = Store.gsi1.query(geo_partition(shop_id, prefix), Store.GSI1SK.between(first, last + RANGE_END))
    stores = list(result)
    return stores, result.page_iter.total_scanned_count


def in_cells(shop_id: str, runs: Sequence[Tuple[str, str, str]]) -> Tuple[List[Store], int, int]:
    """Active stores whose geohash lies in the given cell runs: (stores, items read, queries).

    Each run (partition prefix, first cell, last cell) is one GSI1 range query; the queries
    run side by side. Items read is DynamoDB's ScannedCount, i.e. what the queries were billed for.
    """
    if len(runs) == 1:
        answers = [_run(shop_id, runs[0])]
    else:
        answers = list(_POOL.map(lambda run: _run(shop_id, run), runs))
    stores = [store for found, _ in answers for store in found]
    return stores, sum(read for _, read in answers), len(runs)
