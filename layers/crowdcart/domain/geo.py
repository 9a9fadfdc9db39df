"""Pure geo maths for the nearby-store lookup: geohash cells, circle coverings, haversine.

Coordinates are decimal degrees (lat in [-90, 90], lng in [-180, 180]); distances are metres
on a sphere of the mean Earth radius. A geohash cell is the rectangle of lat/lng that every
point encoding to that string lies in; cells sort in Z-order, so a run of consecutive cells
is one key range. Nothing here does I/O.
"""
import math
from typing import Dict, Iterable, List, NamedTuple, Optional, Tuple, TypeVar

K = TypeVar("K")

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
MAX_PRECISION = 12
BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"  # ASCII order, so string order is Z-order
_DECODE = {c: i for i, c in enumerate(BASE32)}
_SLACK = 1e-9  # relative widening of coverings, so float rounding never drops a boundary cell


class Box(NamedTuple):
    """A lat/lng rectangle (a geohash cell), bounds inclusive."""

    lat_lo: float
    lat_hi: float
    lng_lo: float
    lng_hi: float


class CircleBox(NamedTuple):
    """The lat/lng extent of a circle: one latitude band and one or two longitude intervals."""

    lat_lo: float
    lat_hi: float
    lng_intervals: Tuple[Tuple[float, float], ...]


def valid_point(lat: float, lng: float) -> bool:
    """True for finite coordinates within lat [-90, 90] and lng [-180, 180]."""
    return (isinstance(lat, (int, float)) and isinstance(lng, (int, float))
            and math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180)


def _require_point(lat: float, lng: float) -> None:
    if not valid_point(lat, lng):
        raise ValueError(f"not a coordinate: lat={lat!r}, lng={lng!r}")


def _bits(precision: int) -> Tuple[int, int]:
    """(lng bits, lat bits) of a geohash of `precision` characters (lng gets the odd bit)."""
    total = 5 * precision
    return (total + 1) // 2, total // 2


def _index(value: float, lo: float, hi: float, bits: int) -> int:
    """The cell index of `value` by bisection, exactly as geohash encodes (a midpoint goes up)."""
    index = 0
    for _ in range(bits):
        mid = (lo + hi) / 2
        index <<= 1
        if value >= mid:
            index |= 1
            lo = mid
        else:
            hi = mid
    return index


def _interleave(col: int, row: int, precision: int) -> str:
    lng_bits, lat_bits = _bits(precision)
    number = 0
    for i in range(5 * precision):
        if i % 2 == 0:
            lng_bits -= 1
            number = (number << 1) | ((col >> lng_bits) & 1)
        else:
            lat_bits -= 1
            number = (number << 1) | ((row >> lat_bits) & 1)
    return "".join(BASE32[(number >> (5 * (precision - 1 - k))) & 31] for k in range(precision))


def _deinterleave(geohash: str) -> Tuple[int, int]:
    col = row = 0
    bit = 0
    for char in geohash:
        value = _DECODE[char]
        for shift in range(4, -1, -1):
            if bit % 2 == 0:
                col = (col << 1) | ((value >> shift) & 1)
            else:
                row = (row << 1) | ((value >> shift) & 1)
            bit += 1
    return col, row


def encode(lat: float, lng: float, precision: int = 9) -> str:
    """The standard geohash of a point (e.g. 57.64911, 10.40744 → `u4pruydqqvj`)."""
    _require_point(lat, lng)
    if not 1 <= precision <= MAX_PRECISION:
        raise ValueError(f"precision must be 1..{MAX_PRECISION}")
    lng_bits, lat_bits = _bits(precision)
    return _interleave(_index(lng, -180.0, 180.0, lng_bits), _index(lat, -90.0, 90.0, lat_bits), precision)


def cell_size(precision: int) -> Tuple[float, float]:
    """(height, width) of a cell of `precision` characters, in degrees of lat and lng."""
    lng_bits, lat_bits = _bits(precision)
    return 180.0 / (1 << lat_bits), 360.0 / (1 << lng_bits)


def bbox(geohash: str) -> Box:
    """The rectangle a geohash denotes (bounds are exact binary fractions)."""
    if not geohash or any(c not in _DECODE for c in geohash):
        raise ValueError(f"not a geohash: {geohash!r}")
    col, row = _deinterleave(geohash)
    height, width = cell_size(len(geohash))
    return Box(-90.0 + row * height, -90.0 + (row + 1) * height, -180.0 + col * width, -180.0 + (col + 1) * width)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two points (haversine formula)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def _lng_gap(lng: float, lo: float, hi: float) -> float:
    """Degrees of longitude from `lng` to the nearer edge of [lo, hi] going either way (0 inside)."""
    if lo <= lng <= hi:
        return 0.0
    return min((lo - lng) % 360.0, (lng - hi) % 360.0)


def min_distance_m(lat: float, lng: float, box: Box) -> float:
    """A lower bound (tight for small cells) of the distance from a point to any point of `box`.

    hav(d/R) = hav(Δlat) + cos(lat1)·cos(lat2)·hav(Δlng), and each term is bounded below
    separately over the box: the nearest latitude, the smallest cosine, the nearest meridian.
    """
    lat_gap = 0.0 if box.lat_lo <= lat <= box.lat_hi else min(abs(lat - box.lat_lo), abs(lat - box.lat_hi))
    cos_min = min(math.cos(math.radians(box.lat_lo)), math.cos(math.radians(box.lat_hi)))
    lng_gap = min(_lng_gap(lng, box.lng_lo, box.lng_hi), 180.0)
    h = (math.sin(math.radians(lat_gap) / 2) ** 2
         + math.cos(math.radians(lat)) * max(cos_min, 0.0) * math.sin(math.radians(lng_gap) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def circle_box(lat: float, lng: float, radius_m: float) -> CircleBox:
    """The lat/lng extent of all points within `radius_m` of a point (spherical cap).

    Handles a cap that contains a pole (all longitudes) and one that crosses the
    antimeridian (two longitude intervals). Slightly widened against float rounding.
    """
    _require_point(lat, lng)
    if not (math.isfinite(radius_m) and radius_m >= 0):
        raise ValueError("radius must be a finite number of metres >= 0")
    delta = math.degrees(radius_m / EARTH_RADIUS_M) * (1 + _SLACK) + _SLACK
    lat_lo, lat_hi = lat - delta, lat + delta
    if lat_lo <= -90.0 or lat_hi >= 90.0 or delta >= 90.0:
        return CircleBox(max(lat_lo, -90.0), min(lat_hi, 90.0), ((-180.0, 180.0),))
    ratio = math.sin(math.radians(delta)) / math.cos(math.radians(lat))
    half = math.degrees(math.asin(min(1.0, ratio))) * (1 + _SLACK) + _SLACK
    lo, hi = lng - half, lng + half
    if hi - lo >= 360.0:
        intervals: Tuple[Tuple[float, float], ...] = ((-180.0, 180.0),)
    elif lo < -180.0:
        intervals = ((-180.0, hi), (lo + 360.0, 180.0))
    elif hi > 180.0:
        intervals = ((-180.0, hi - 360.0), (lo, 180.0))
    else:
        intervals = ((lo, hi),)
    return CircleBox(lat_lo, lat_hi, intervals)


def _span(lo: float, hi: float, low_end: float, high_end: float, bits: int) -> range:
    """Indices of the cells of one axis that [lo, hi] touches."""
    return range(_index(lo, low_end, high_end, bits), _index(hi, low_end, high_end, bits) + 1)


def _grid(box: CircleBox, precision: int) -> Tuple[range, List[range]]:
    lng_bits, lat_bits = _bits(precision)
    rows = _span(box.lat_lo, box.lat_hi, -90.0, 90.0, lat_bits)
    cols = [_span(lo, hi, -180.0, 180.0, lng_bits) for lo, hi in box.lng_intervals]
    return rows, cols


def _union(spans: List[range]) -> List[range]:
    """Disjoint, sorted index ranges covering the same indices as `spans`."""
    merged: List[range] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].stop:
            merged[-1] = range(merged[-1].start, max(merged[-1].stop, span.stop))
        else:
            merged.append(span)
    return merged


def cell_count(lat: float, lng: float, radius_m: float, precision: int) -> int:
    """How many cells of `precision` the circle's lat/lng box touches (before pruning)."""
    rows, cols = _grid(circle_box(lat, lng, radius_m), precision)
    return len(rows) * sum(len(span) for span in _union(cols))


def choose_precision(lat: float, lng: float, radius_m: float, max_cells: int = 64,
                     min_precision: int = 1, max_precision: int = 9) -> int:
    """The finest precision whose covering of the circle needs at most `max_cells` cells.

    Finer cells hug the circle (fewer items read outside it); more cells mean more key
    ranges to query. Falls back to `min_precision` when even that needs more cells
    (a huge radius, or a cap around a pole).
    """
    for precision in range(max_precision, min_precision, -1):
        if cell_count(lat, lng, radius_m, precision) <= max_cells:
            return precision
    return min_precision


def covering_cells(lat: float, lng: float, radius_m: float, precision: Optional[int] = None,
                   max_cells: int = 64, min_precision: int = 1, max_precision: int = 9) -> List[str]:
    """The sorted geohash cells of one precision that together contain every point within `radius_m`.

    Cells of the circle's lat/lng box whose nearest point is farther than the radius are dropped.
    """
    if precision is None:
        precision = choose_precision(lat, lng, radius_m, max_cells, min_precision, max_precision)
    box = circle_box(lat, lng, radius_m)
    rows, col_spans = _grid(box, precision)
    cols = [col for span in _union(col_spans) for col in span]
    limit = radius_m * (1 + _SLACK) + 1e-6
    cells = []
    for row in rows:
        for col in cols:
            cell = _interleave(col, row, precision)
            if min_distance_m(lat, lng, bbox(cell)) <= limit:
                cells.append(cell)
    return sorted(cells)


def _successor(cell: str) -> Optional[str]:
    """The next cell of the same precision in Z-order (None after the last one)."""
    chars = list(cell)
    for i in range(len(chars) - 1, -1, -1):
        value = _DECODE[chars[i]]
        if value < 31:
            chars[i] = BASE32[value + 1]
            return "".join(chars)
        chars[i] = BASE32[0]
    return None


def cell_runs(cells: Iterable[str], partition_precision: int) -> List[Tuple[str, str, str]]:
    """Merge sorted cells into key ranges: (partition prefix, first cell, last cell).

    Consecutive cells in Z-order that share the partition prefix form one range, so
    one range query reads them all.
    """
    runs: List[Tuple[str, str, str]] = []
    by_partition: Dict[str, List[str]] = {}
    for cell in sorted(set(cells)):
        if len(cell) < partition_precision:
            raise ValueError("cells must be at least as fine as the partition precision")
        by_partition.setdefault(cell[:partition_precision], []).append(cell)
    for prefix, members in by_partition.items():
        first = last = members[0]
        for cell in members[1:]:
            if cell == _successor(last):
                last = cell
            else:
                runs.append((prefix, first, last))
                first = last = cell
        runs.append((prefix, first, last))
    return runs


def rank_within(lat: float, lng: float, radius_m: float,
                candidates: Iterable[Tuple[K, float, float]]) -> List[Tuple[float, K]]:
    """(distance, key) of the candidates (key, lat, lng) within `radius_m`, nearest first, ties by key."""
    ranked = []
    for key, c_lat, c_lng in candidates:
        distance = haversine_m(lat, lng, c_lat, c_lng)
        if distance <= radius_m:
            ranked.append((distance, key))
    ranked.sort()
    return ranked
