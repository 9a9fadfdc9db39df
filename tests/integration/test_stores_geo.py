"""Nearby lookup at scale (DynamoDB Local): exactly the brute-force answer, reads that track the answer.

Stores are spread uniformly over a country-sized box (eastern China); datasets of 10, 1,000
and 20,000 stores live in three shops loaded once for the module with BatchWriteItem.
"""
import math
import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from crowdcart.db.models.stores import GEO_PARTITION_PRECISION, GEOHASH_PRECISION
from crowdcart.domain import geo
from functions.shops import service as shops
from functions.stores import service

SIZES = (10, 1_000, 20_000)
COUNTRY = ((22.0, 42.0), (100.0, 122.0))  # lat, lng ranges: ~2,200 km x 2,100 km
PEOPLES_SQUARE = (31.2304, 121.4737)


def spread(count, seed):
    """`count` store rows at uniformly random points of the country box."""
    rng = random.Random(seed)
    (lat_lo, lat_hi), (lng_lo, lng_hi) = COUNTRY
    return [{"name": f"Store {i}", "lat": round(rng.uniform(lat_lo, lat_hi), 6),
             "lng": round(rng.uniform(lng_lo, lng_hi), 6), "address": f"No. {i}"} for i in range(count)]


def load(rows, workers=8):
    """A new shop holding `rows` as stores (parallel batch writes); returns (shop_id, [(id, lat, lng)])."""
    shop_id = shops.create_shop("Geo test shop")["shop_id"]
    chunks = [rows[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(workers) as pool:
        ids = list(pool.map(lambda chunk: service.import_stores(shop_id, chunk), chunks))
    stores = [(sid, row["lat"], row["lng"])
              for chunk, chunk_ids in zip(chunks, ids) for sid, row in zip(chunk_ids, chunk)]
    return shop_id, stores


def brute_force(stores, lat, lng, radius_m):
    """Every store within the radius by a full haversine scan: [(distance, id)] nearest first."""
    return sorted((d, sid) for sid, s_lat, s_lng in stores
                  if (d := geo.haversine_m(lat, lng, s_lat, s_lng)) <= radius_m)


def query_points(stores, count, seed):
    """Half near existing stores (non-empty answers), half anywhere in the country; radii up to 10 km."""
    rng = random.Random(seed)
    (lat_lo, lat_hi), (lng_lo, lng_hi) = COUNTRY
    points = []
    for i in range(count):
        if i % 2 and stores:
            _, s_lat, s_lng = stores[rng.randrange(len(stores))]
            point = (s_lat + rng.uniform(-0.05, 0.05), s_lng + rng.uniform(-0.05, 0.05))
        else:
            point = (rng.uniform(lat_lo, lat_hi), rng.uniform(lng_lo, lng_hi))
        points.append((*point, rng.choice((500.0, 1_000.0, 2_500.0, 5_000.0, 10_000.0, rng.uniform(1, 10_000)))))
    return points


def all_pages(shop_id, lat, lng, radius_m, limit=100):
    """Every page of a nearby query: ([(distance_m, id)], summed stats)."""
    found, cursor, reads = [], None, []
    while True:
        result = service.nearby(shop_id, lat, lng, radius_m, limit, cursor)
        found += [(s["distance_m"], s["id"]) for s in result.items]
        reads.append(result.stats["items_read"])
        cursor = result.next_cursor
        if not cursor:
            return found, result.stats, reads


def covered(geohashes, lat, lng, radius_m):
    """How many stores lie in the cells the lookup covers (what it must read, no more)."""
    cells = set(geo.covering_cells(lat, lng, radius_m, max_cells=service.MAX_COVERING_CELLS,
                                   min_precision=GEO_PARTITION_PRECISION, max_precision=GEOHASH_PRECISION))
    precision = len(next(iter(cells)))
    return sum(1 for code in geohashes if code[:precision] in cells)


@pytest.fixture(scope="module")
def datasets():
    """size -> (shop_id, [(id, lat, lng)]), loaded once."""
    return {size: load(spread(size, seed=size)) for size in SIZES}


@pytest.fixture(scope="module")
def geohashes(datasets):
    """size -> every store's full geohash, computed once from the generated coordinates."""
    return {size: [geo.encode(lat, lng, GEOHASH_PRECISION) for _, lat, lng in stores]
            for size, (_, stores) in datasets.items()}


@pytest.mark.parametrize("size", SIZES)
def test_nearby_returns_exactly_what_a_brute_force_scan_returns(datasets, geohashes, size):
    shop_id, stores = datasets[size]
    assert len(stores) == size
    nonempty = 0
    for lat, lng, radius_m in query_points(stores, 60, seed=size + 1):
        expected = brute_force(stores, lat, lng, radius_m)
        found, stats, _ = all_pages(shop_id, lat, lng, radius_m)
        assert [sid for _, sid in found] == [sid for _, sid in expected], (lat, lng, radius_m)
        assert [d for d, _ in found] == [round(d) for d, _ in expected]
        assert stats["items_read"] == covered(geohashes[size], lat, lng, radius_m)  # only the covering cells are read
        nonempty += bool(expected)
    assert nonempty >= (10 if size >= 1_000 else 1)  # the comparison is not vacuous


def test_items_read_stay_flat_as_the_store_count_grows(datasets):
    means = {}
    for size in SIZES:
        shop_id, stores = datasets[size]
        reads = [service.nearby(shop_id, lat, lng, radius_m, 100).stats["items_read"]
                 for lat, lng, radius_m in query_points(stores, 40, seed=7)]
        means[size] = sum(reads) / len(reads)
        assert max(reads) <= 60, (size, max(reads))  # a scan would read `size` items
    assert means[20_000] < 20 and means[20_000] < 0.002 * 20_000, means


def test_paging_a_dense_city_matches_brute_force_including_ties(datasets):
    rng = random.Random(3)
    rows = [{"name": f"City {i}", "lat": round(PEOPLES_SQUARE[0] + rng.gauss(0, 0.03), 6),
             "lng": round(PEOPLES_SQUARE[1] + rng.gauss(0, 0.03), 6), "address": "Shanghai"} for i in range(400)]
    rows += [dict(rows[0], name=f"Twin {i}") for i in range(5)]  # same spot: ties break by id
    shop_id, stores = load(rows)
    for lat, lng, radius_m in ((*PEOPLES_SQUARE, 5_000.0), (rows[0]["lat"], rows[0]["lng"], 10_000.0),
                               (31.3, 121.6, 7_500.0)):
        expected = brute_force(stores, lat, lng, radius_m)
        found, _, reads = all_pages(shop_id, lat, lng, radius_m, limit=37)
        assert [sid for _, sid in found] == [sid for _, sid in expected]
        assert len(reads) == max(1, math.ceil(len(expected) / 37))
    assert len(brute_force(stores, *PEOPLES_SQUARE, 5_000.0)) > 100


def test_the_http_route_agrees_with_brute_force(api, datasets):
    shop_id, stores = datasets[1_000]
    shopper = api.login(shop_id, "geo")
    for lat, lng, radius_m in query_points(stores, 10, seed=11):
        reply = api.get(f"/v1/stores/nearby?lat={lat!r}&lng={lng!r}&radius_km={radius_m / 1000!r}",
                        token=shopper["token"])
        assert reply.status == 200, reply.body
        assert [s["id"] for s in reply.body["items"]] == [sid for _, sid in brute_force(stores, lat, lng, radius_m)]
