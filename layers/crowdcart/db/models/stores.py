"""Stores (pickup points): one partition per shop, plus a sparse geohash index on GSI1.

Checkout reads a store by `Store.key(shop_id, store_id)` to validate a pickup choice
(`active` and `pickup_enabled`). The stores capability keeps the GSI1 keys in step with
the coordinates and removes them when a store is deactivated, so only active stores
are found by the nearby lookup (see docs/access-patterns.md, "Stores").
"""
from typing import Dict

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute

from crowdcart.clock import now
from crowdcart.db import keys
from crowdcart.db.connection import Entity
from crowdcart.domain import geo

GEOHASH_PRECISION = 9  # stored per store: cells of ~5 m, finer than any covering we query
GEO_PARTITION_PRECISION = 3  # GSI1 partition = 3-character cell (~156 km); SK = full geohash


def stores_pk(shop_id: str) -> str:
    """The partition holding all of a shop's stores."""
    return keys.scoped(shop_id, "STORES")


def geo_partition(shop_id: str, cell_prefix: str) -> str:
    """GSI1PK of the geo partition that holds the cells beginning with `cell_prefix`."""
    return keys.scoped(shop_id, "GEO", cell_prefix[:GEO_PARTITION_PRECISION])


class Store(Entity, discriminator="store"):
    """A physical store: where it is, when it opens, whether shoppers may pick up there."""

    store_id = UnicodeAttribute()
    name = UnicodeAttribute()
    lat = NumberAttribute()
    lng = NumberAttribute()
    address = UnicodeAttribute()
    opening_hours = JSONAttribute(default=list)
    pickup_enabled = BooleanAttribute(default=True)
    active = BooleanAttribute(default=True)
    geohash = UnicodeAttribute(null=True)  # None only for a store written without the stores service
    created_at = NumberAttribute(default=now)
    updated_at = NumberAttribute(default=now)
    version = NumberAttribute(default=1)

    @classmethod
    def key(cls, shop_id: str, store_id: str) -> tuple:
        """(PK, SK): all of a shop's stores share one partition, one item each."""
        return stores_pk(shop_id), f"STORE#{store_id}"

    @staticmethod
    def geo_keys(shop_id: str, store_id: str, geohash: str) -> Dict[str, str]:
        """GSI1 keys of an active store: partition by coarse cell, sort by full geohash then id."""
        return {"GSI1PK": geo_partition(shop_id, geohash), "GSI1SK": f"{geohash}#{store_id}"}

    @classmethod
    def new(cls, shop_id: str, store_id: str, *, name: str, lat: float, lng: float, address: str,
            opening_hours: list, pickup_enabled: bool, created_at: int) -> "Store":
        """A new active store, indexed on GSI1 by its geohash."""
        geohash = geo.encode(lat, lng, GEOHASH_PRECISION)
        pk, sk = cls.key(shop_id, store_id)
        return cls(pk, sk, store_id=store_id, name=name, lat=lat, lng=lng, address=address,
                   opening_hours=opening_hours, pickup_enabled=pickup_enabled, active=True,
                   geohash=geohash, created_at=created_at, updated_at=created_at, version=1,
                   **cls.geo_keys(shop_id, store_id, geohash))
