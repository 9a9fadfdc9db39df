"""Stores: merchants create, change, list and deactivate them; shoppers find the nearest ones.

The nearby lookup reads only the geohash cells that cover the circle (GSI1 range
queries), keeps the stores within the exact haversine distance, sorts them nearest
first and pages over that order with a signed (distance, id) cursor.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

from crowdcart.clock import iso, now
from crowdcart.db.models.stores import GEO_PARTITION_PRECISION, GEOHASH_PRECISION, Store, stores_pk
from crowdcart.db.writes import ConditionFailed
from crowdcart.domain import geo
from crowdcart.errors import BadRequest, Conflict, not_found
from crowdcart.ids import is_id, new_id
from crowdcart.observability import business_event, logger
from crowdcart.pagination import decode_cursor, encode_cursor
from functions.stores import repository

MAX_COVERING_CELLS = 64  # finest geohash precision whose covering stays within this many cells
UPDATE_ATTEMPTS = 5


@dataclass
class NearbyResult:
    """One page of nearby stores and what the lookup cost."""

    items: List[Dict[str, Any]]
    next_cursor: Optional[str]
    stats: Dict[str, int] = field(default_factory=dict)


def merchant_view(store: Store) -> Dict[str, Any]:
    """A store as its merchant sees it."""
    return {"id": store.store_id, "name": store.name, "lat": float(store.lat), "lng": float(store.lng),
            "address": store.address, "opening_hours": store.opening_hours or [],
            "pickup_enabled": store.pickup_enabled, "active": store.active,
            "created_at": iso(int(store.created_at)), "updated_at": iso(int(store.updated_at))}


def shopper_view(store: Store) -> Dict[str, Any]:
    """A store as shoppers see it."""
    return {"id": store.store_id, "name": store.name, "lat": float(store.lat), "lng": float(store.lng),
            "address": store.address, "opening_hours": store.opening_hours or [],
            "pickup_enabled": store.pickup_enabled}


def _new_store(shop_id: str, fields: Dict[str, Any], created_at: int) -> Store:
    return Store.new(shop_id, new_id(), name=fields["name"], lat=fields["lat"], lng=fields["lng"],
                     address=fields["address"], opening_hours=fields.get("opening_hours") or [],
                     pickup_enabled=fields.get("pickup_enabled", True), created_at=created_at)


def create_store(shop_id: str, fields: Dict[str, Any]) -> Dict[str, str]:
    """Create an active store at (lat, lng); returns its id."""
    store = _new_store(shop_id, fields, now())
    repository.add(store)
    business_event("StoreCreated", shop_id=shop_id, store_id=store.store_id)
    return {"id": store.store_id}


def import_stores(shop_id: str, rows: Iterable[Dict[str, Any]]) -> List[str]:
    """Create many stores at once (already validated like CreateStore), in batches; returns their ids."""
    created = now()
    stores = [_new_store(shop_id, row, created) for row in rows]
    repository.add_many(stores)
    business_event("StoresImported", count=len(stores), shop_id=shop_id)
    return [s.store_id for s in stores]


def _load(shop_id: str, store_id: str, consistent: bool = False) -> Store:
    if not is_id(store_id):
        raise not_found("store", store_id)
    return repository.get(shop_id, store_id, consistent=consistent)


def get_for_merchant(shop_id: str, store_id: str) -> Dict[str, Any]:
    """Any store of the shop, active or not."""
    return merchant_view(_load(shop_id, store_id))


def get_for_shopper(shop_id: str, store_id: str) -> Dict[str, Any]:
    """An active store of the shop; a deactivated one is 404."""
    store = _load(shop_id, store_id)
    if not store.active:
        raise not_found("store", store_id)
    return shopper_view(store)


def _actions(shop_id: str, store: Store, changes: Dict[str, Any]) -> List[Any]:
    """Update actions for `changes`, keeping geohash and the GSI1 geo keys in step."""
    actions = [getattr(Store, name).set(value) for name, value in changes.items()
               if name in ("name", "address", "opening_hours", "pickup_enabled", "active", "lat", "lng")]
    lat, lng = changes.get("lat", float(store.lat)), changes.get("lng", float(store.lng))
    active = changes.get("active", store.active)
    geohash = geo.encode(lat, lng, GEOHASH_PRECISION)
    if geohash != store.geohash:
        actions.append(Store.geohash.set(geohash))
    if active:
        index = Store.geo_keys(shop_id, store.store_id, geohash)
        if index["GSI1PK"] != store.GSI1PK or index["GSI1SK"] != store.GSI1SK:
            actions += [Store.GSI1PK.set(index["GSI1PK"]), Store.GSI1SK.set(index["GSI1SK"])]
    elif store.GSI1PK is not None:
        actions += [Store.GSI1PK.remove(), Store.GSI1SK.remove()]
    return actions + [Store.updated_at.set(now())]


def update_store(shop_id: str, store_id: str, changes: Dict[str, Any]) -> Dict[str, Any]:
    """Apply a partial change; the write holds only if the store did not change since it was read."""
    for _ in range(UPDATE_ATTEMPTS):
        store = _load(shop_id, store_id, consistent=True)
        try:
            updated = repository.update_versioned(store, _actions(shop_id, store, changes))
        except ConditionFailed:
            continue  # changed (or deleted) meanwhile: read again and recompute
        business_event("StoreUpdated", shop_id=shop_id, store_id=store_id, fields=sorted(changes))
        return merchant_view(updated)
    raise Conflict("store_busy", "The store is being changed by someone else; please retry.")


def deactivate_store(shop_id: str, store_id: str) -> Dict[str, Any]:
    """Take a store out of the nearby lookup and checkout (its record and orders remain)."""
    return update_store(shop_id, store_id, {"active": False})


def _list_start(shop_id: str, cursor: Optional[str]) -> Optional[Dict[str, Any]]:
    start = decode_cursor(shop_id, cursor)
    if start is None:
        return None
    sort_key = start.get("SK") if isinstance(start, dict) else None
    if (not isinstance(start, dict) or set(start) != {"PK", "SK"} or start["PK"] != {"S": stores_pk(shop_id)} or not isinstance(sort_key, dict)
            or not str(sort_key.get("S", "")).startswith("STORE#")):
        raise BadRequest("invalid_cursor", "cursor is not one this list returned.", field="cursor")
    return start


def list_stores(shop_id: str, limit: int, cursor: Optional[str]) -> Dict[str, Any]:
    """A page of the shop's stores (active and deactivated), oldest first."""
    stores, last_key = repository.page(shop_id, limit, _list_start(shop_id, cursor))
    return {"items": [merchant_view(s) for s in stores], "next_cursor": encode_cursor(shop_id, last_key)}


def _after(shop_id: str, cursor: Optional[str], near: List[float]) -> Optional[tuple]:
    """The (distance, id) a nearby page continues after; 400 for a cursor of another query."""
    state = decode_cursor(shop_id, cursor)
    if state is None:
        return None
    after = state.get("after") if isinstance(state, dict) else None
    if (not isinstance(state, dict) or set(state) != {"near", "after"} or state["near"] != near or not isinstance(after, list) or len(after) != 2
            or not isinstance(after[0], (int, float)) or not isinstance(after[1], str)):
        raise BadRequest("invalid_cursor", "cursor belongs to another nearby query.", field="cursor")
    return float(after[0]), after[1]


def nearby(shop_id: str, lat: float, lng: float, radius_m: float, limit: int,
           cursor: Optional[str] = None) -> NearbyResult:
    """Active stores within `radius_m` of (lat, lng), nearest first, `limit` per page."""
    near = [lat, lng, radius_m]
    after = _after(shop_id, cursor, near)
    cells = geo.covering_cells(lat, lng, radius_m, max_cells=MAX_COVERING_CELLS,
                               min_precision=GEO_PARTITION_PRECISION, max_precision=GEOHASH_PRECISION)
    runs = geo.cell_runs(cells, GEO_PARTITION_PRECISION)
    candidates, items_read, queries = repository.in_cells(shop_id, runs)
    by_id = {s.store_id: s for s in candidates}
    ranked = geo.rank_within(lat, lng, radius_m, ((s.store_id, float(s.lat), float(s.lng)) for s in candidates))
    if after is not None:
        ranked = [entry for entry in ranked if entry > after]
    page, more = ranked[:limit], len(ranked) > limit
    items = [dict(shopper_view(by_id[sid]), distance_m=round(d)) for d, sid in page]
    next_cursor = encode_cursor(shop_id, {"near": near, "after": list(page[-1])}) if more else None
    stats = {"precision": len(cells[0]) if cells else 0, "cells": len(cells), "queries": queries,
             "items_read": items_read, "matches": len(ranked)}
    logger.debug("nearby stores", extra=stats)
    return NearbyResult(items, next_cursor, stats)
