"""Geohash cells, circle coverings and haversine: known values and Hypothesis properties."""
import math

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from crowdcart.domain import geo

lats = st.floats(min_value=-90, max_value=90, allow_nan=False)
lngs = st.floats(min_value=-180, max_value=180, allow_nan=False)
polar_lats = st.one_of(st.floats(min_value=89.9, max_value=90), st.floats(min_value=-90, max_value=-89.9))
antimeridian_lngs = st.one_of(st.floats(min_value=179.9, max_value=180), st.floats(min_value=-180, max_value=-179.9))
radii = st.floats(min_value=0, max_value=10_000, allow_nan=False)
bearings = st.floats(min_value=0, max_value=360, allow_nan=False)
fractions = st.floats(min_value=0, max_value=1)


def destination(lat, lng, bearing_deg, distance_m):
    """The point `distance_m` from (lat, lng) along `bearing_deg` (spherical direct problem)."""
    p1, l1, b = math.radians(lat), math.radians(lng), math.radians(bearing_deg)
    d = distance_m / geo.EARTH_RADIUS_M
    p2 = math.asin(max(-1.0, min(1.0, math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    lng2 = (math.degrees(l2) + 540.0) % 360.0 - 180.0
    return max(-90.0, min(90.0, math.degrees(p2))), lng2


# --- known values ---------------------------------------------------------------------------

@pytest.mark.parametrize("lat, lng, precision, expected", [
    (57.64911, 10.40744, 11, "u4pruydqqvj"),   # Wikipedia's example
    (42.6, -5.6, 5, "ezs42"),
    (31.2304, 121.4737, 6, "wtw3sj"),          # People's Square, Shanghai
    (39.9042, 116.4074, 5, "wx4g0"),           # Beijing centre
    (-33.8688, 151.2093, 5, "r3gx2"),          # Sydney
    (90, 180, 3, "zzz"), (-90, -180, 3, "000"),
])
def test_encode_matches_reference_geohashes(lat, lng, precision, expected):
    assert geo.encode(lat, lng, precision) == expected


def test_bbox_of_a_known_cell():
    assert geo.bbox("ezs42") == geo.Box(42.5830078125, 42.626953125, -5.625, -5.5810546875)


def test_haversine_known_distances():
    assert geo.haversine_m(31.2304, 121.4737, 39.9042, 116.4074) == pytest.approx(1_067_312, abs=1)  # Shanghai-Beijing
    assert geo.haversine_m(0, 0, 0, 180) == pytest.approx(math.pi * geo.EARTH_RADIUS_M)
    assert geo.haversine_m(90, 0, 90, 123) == pytest.approx(0, abs=1e-6)  # every longitude meets at a pole
    assert geo.haversine_m(0, 179.9999, 0, -179.9999) == pytest.approx(22.24, abs=0.01)  # across the antimeridian


@pytest.mark.parametrize("bad", [(91, 0), (0, 181), (math.nan, 0), (0, math.inf), ("31", 121)])
def test_bad_points_are_refused(bad):
    assert not geo.valid_point(*bad)
    with pytest.raises(ValueError):
        geo.encode(*bad)


def test_invalid_geohash_and_radius_are_refused():
    for text in ("", "a", "ezs4i"):
        with pytest.raises(ValueError):
            geo.bbox(text)
    with pytest.raises(ValueError):
        geo.covering_cells(0, 0, -1)


def test_precision_follows_the_radius():
    shanghai = (31.2304, 121.4737)
    precisions = [geo.choose_precision(*shanghai, r) for r in (50, 500, 5_000, 10_000)]
    assert precisions == sorted(precisions, reverse=True) and precisions[-1] == 5
    for r in (50, 500, 5_000, 10_000):
        assert len(geo.covering_cells(*shanghai, r)) <= 64


def test_a_cap_around_a_pole_takes_every_longitude():
    box = geo.circle_box(89.95, 10, 10_000)
    assert box.lng_intervals == ((-180.0, 180.0),) and box.lat_hi == 90
    cells = geo.covering_cells(89.95, 10, 10_000, min_precision=3)
    assert {geo.encode(89.99, lng, 3) for lng in range(-180, 181, 5)} <= set(cells)


def test_a_circle_across_the_antimeridian_covers_both_sides():
    cells = geo.covering_cells(0, 179.99, 5_000)
    assert geo.encode(0, -179.99, len(cells[0])) in cells and geo.encode(0, 179.99, len(cells[0])) in cells
    assert geo.circle_box(0, 179.99, 5_000).lng_intervals[0][0] == -180.0


def test_cell_runs_merge_consecutive_cells_within_a_partition():
    assert geo.cell_runs(["wtw3s", "wtw3t", "wtw3u", "wtw3w", "wtw6b"], 3) == [
        ("wtw", "wtw3s", "wtw3u"), ("wtw", "wtw3w", "wtw3w"), ("wtw", "wtw6b", "wtw6b")]
    assert geo.cell_runs(["wtzzz", "wu000"], 3) == [("wtz", "wtzzz", "wtzzz"), ("wu0", "wu000", "wu000")]
    assert geo.cell_runs(["zz", "zy"], 1) == [("z", "zy", "zz")]


def test_rank_within_sorts_by_distance_then_key():
    ranked = geo.rank_within(31.2304, 121.4737, 5_000, [("b", 31.2397, 121.4998), ("a", 31.2397, 121.4998),
                                                         ("far", 31.1979, 121.3363), ("here", 31.2304, 121.4737)])
    assert [key for _, key in ranked] == ["here", "a", "b"]


# --- properties -------------------------------------------------------------------------------

@given(lats, lngs, st.integers(min_value=1, max_value=12))
def test_a_point_lies_in_its_own_cell_and_prefixes_are_coarser_cells(lat, lng, precision):
    code = geo.encode(lat, lng, precision)
    box = geo.bbox(code)
    assert box.lat_lo <= lat <= box.lat_hi and box.lng_lo <= lng <= box.lng_hi
    assert geo.encode(lat, lng, precision - 1 or 1) == code[:precision - 1 or 1]
    height, width = geo.cell_size(precision)
    assert box.lat_hi - box.lat_lo == height and box.lng_hi - box.lng_lo == width


@given(lats, lngs, lats, lngs, lats, lngs)
def test_haversine_is_a_metric(lat1, lng1, lat2, lng2, lat3, lng3):
    a, b = geo.haversine_m(lat1, lng1, lat2, lng2), geo.haversine_m(lat2, lng2, lat1, lng1)
    assert a == pytest.approx(b, abs=1e-6) and 0 <= a <= math.pi * geo.EARTH_RADIUS_M + 1e-6
    assert geo.haversine_m(lat1, lng1, lat1, lng1) == 0
    via = geo.haversine_m(lat1, lng1, lat3, lng3) + geo.haversine_m(lat3, lng3, lat2, lng2)
    assert a <= via + 1e-3


def _in_box(box, lat, lng):
    return box.lat_lo <= lat <= box.lat_hi and any(lo <= lng <= hi for lo, hi in box.lng_intervals)


@settings(max_examples=150)
@given(lats, lngs, st.floats(min_value=1, max_value=10_000))
@example(89.9, 0, 10_000)
@example(60, 179.95, 10_000)
def test_the_circle_box_contains_the_whole_circle_edge(lat, lng, radius):
    box = geo.circle_box(lat, lng, radius)
    for step in range(720):
        edge = destination(lat, lng, step / 2, radius)
        if geo.haversine_m(lat, lng, *edge) <= radius:  # near a pole `destination` itself is off by millimetres
            assert _in_box(box, *edge), (edge, box)


@given(lats, lngs, st.text(alphabet=geo.BASE32, min_size=1, max_size=7), fractions, fractions)
def test_min_distance_is_a_lower_bound_for_every_point_of_the_cell(lat, lng, cell, fy, fx):
    box = geo.bbox(cell)
    inside = (box.lat_lo + fy * (box.lat_hi - box.lat_lo), box.lng_lo + fx * (box.lng_hi - box.lng_lo))
    assert geo.min_distance_m(lat, lng, box) <= geo.haversine_m(lat, lng, *inside) + 1e-6


def _assert_covered(center_lat, center_lng, radius, bearing, fraction, min_precision=1):
    point = destination(center_lat, center_lng, bearing, radius * fraction)
    assume(geo.haversine_m(center_lat, center_lng, *point) <= radius)
    cells = geo.covering_cells(center_lat, center_lng, radius, min_precision=min_precision)
    assert len(set(cells)) == len(cells) and len({len(c) for c in cells}) == 1
    assert geo.encode(*point, len(cells[0])) in cells


@settings(max_examples=400)
@given(lats, lngs, radii, bearings, fractions)
@example(31.2304, 121.4737, 10_000, 90, 1.0)
@example(0, 180, 10_000, 90, 1.0)
@example(-90, 0, 5_000, 45, 0.5)
def test_every_point_within_the_radius_is_in_a_covering_cell(lat, lng, radius, bearing, fraction):
    _assert_covered(lat, lng, radius, bearing, fraction)


@settings(max_examples=200)
@given(polar_lats, lngs, radii, bearings, fractions)
def test_coverings_are_complete_near_the_poles(lat, lng, radius, bearing, fraction):
    _assert_covered(lat, lng, radius, bearing, fraction, min_precision=3)


@settings(max_examples=200)
@given(lats, antimeridian_lngs, radii, bearings, fractions)
def test_coverings_are_complete_across_the_antimeridian(lat, lng, radius, bearing, fraction):
    _assert_covered(lat, lng, radius, bearing, fraction)


@settings(max_examples=150)
@given(st.floats(min_value=18, max_value=54), st.floats(min_value=73, max_value=135), radii,
       st.lists(st.tuples(bearings, st.floats(min_value=0, max_value=12_000)), min_size=1, max_size=30))
def test_covering_then_filter_equals_brute_force(lat, lng, radius, offsets):
    """Keeping the points whose cell is in the covering, then filtering by distance, loses nothing."""
    points = [destination(lat, lng, b, d) for b, d in offsets]
    cells = set(geo.covering_cells(lat, lng, radius))
    precision = len(next(iter(cells)))
    brute = {i for i, p in enumerate(points) if geo.haversine_m(lat, lng, *p) <= radius}
    via_cells = {i for i, p in enumerate(points)
                 if geo.encode(*p, precision) in cells and geo.haversine_m(lat, lng, *p) <= radius}
    assert via_cells == brute


@given(lats, lngs, radii)
def test_coverings_stay_small_and_hug_the_circle(lat, lng, radius):
    assume(abs(lat) < 80)  # near the poles cells get narrow and the count falls back to min precision
    cells = geo.covering_cells(lat, lng, radius, max_cells=64)
    assert len(cells) <= 64
    assert all(geo.min_distance_m(lat, lng, geo.bbox(c)) <= radius * (1 + 1e-9) + 1e-6 for c in cells)
