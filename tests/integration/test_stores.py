"""Stores capability over HTTP: merchant CRUD, validation, the tenant wall, nearby paging."""
import pytest

PEOPLES_SQUARE = (31.2304, 121.4737)
LUJIAZUI = (31.2397, 121.4998)      # ~2.6 km east of People's Square
HONGQIAO = (31.1979, 121.3363)      # ~13.6 km west: outside the 10 km maximum
JINGAN = (31.2231, 121.4456)        # ~2.8 km west


def add_store(api, shop, name, point, **extra):
    body = {"name": name, "lat": point[0], "lng": point[1], "address": f"{name}, Shanghai", **extra}
    reply = api.post("/admin/v1/stores", body, token=shop["api_key"])
    assert reply.status == 201, reply.body
    return reply.body["id"]


def nearby(api, shopper, point, **params):
    query = "&".join(f"{k}={v}" for k, v in {"lat": point[0], "lng": point[1], **params}.items())
    return api.get(f"/v1/stores/nearby?{query}", token=shopper["token"])


def test_merchant_creates_reads_and_lists_stores(api, shop):
    hours = [{"days": [1, 2, 3, 4, 5], "open": "09:00", "close": "21:00"},
             {"days": [6, 7], "open": "22:00", "close": "02:00"}]
    first = add_store(api, shop, "People's Square", PEOPLES_SQUARE, opening_hours=hours)
    second = add_store(api, shop, "Lujiazui", LUJIAZUI, pickup_enabled=False)
    one = api.get(f"/admin/v1/stores/{first}", token=shop["api_key"])
    assert one.status == 200
    assert one.body["opening_hours"] == hours and one.body["active"] is True and one.body["pickup_enabled"] is True
    assert (one.body["lat"], one.body["lng"]) == PEOPLES_SQUARE
    page = api.get("/admin/v1/stores?limit=1", token=shop["api_key"])
    assert [s["id"] for s in page.body["items"]] == [first] and page.body["next_cursor"]
    rest = api.get(f"/admin/v1/stores?limit=1&cursor={page.body['next_cursor']}", token=shop["api_key"])
    assert [s["id"] for s in rest.body["items"]] == [second]
    assert rest.body["items"][0]["pickup_enabled"] is False


def test_store_bodies_are_validated_naming_the_field(api, shop):
    def create(**changes):
        body = {"name": "S", "lat": 31.2, "lng": 121.4, "address": "A", **changes}
        return api.post("/admin/v1/stores", body, token=shop["api_key"])

    for field, value in (("lat", 90.5), ("lat", "31.2"), ("lng", -181), ("lng", True), ("lat", None),
                         ("name", ""), ("address", "")):
        reply = create(**{field: value})
        assert reply.status == 422 and reply.body["error"]["field"] == field, (field, value, reply.body)
    bad_hours = create(opening_hours=[{"days": [8], "open": "09:00", "close": "18:00"}])
    assert bad_hours.status == 422 and bad_hours.body["error"]["field"].startswith("opening_hours")
    assert create(opening_hours=[{"days": [1], "open": "9am", "close": "18:00"}]).status == 422
    assert create(shop_id="someone-else").status == 422  # mass assignment
    assert create(active=False).status == 422  # a new store is always active


def test_viewer_keys_and_shoppers_cannot_manage_stores(api, shop, shopper):
    viewer = api.post("/admin/v1/staff-keys", {"role": "viewer"}, token=shop["api_key"]).body["api_key"]
    body = {"name": "S", "lat": 31.2, "lng": 121.4, "address": "A"}
    assert api.post("/admin/v1/stores", body, token=viewer).status == 403
    assert api.post("/admin/v1/stores", body, token=shopper["token"]).status == 403
    assert api.post("/admin/v1/stores", body).status == 401
    assert api.get("/admin/v1/stores", token=viewer).status == 200


def test_patch_moves_the_store_in_the_nearby_lookup(api, shop, shopper):
    store = add_store(api, shop, "Moving", HONGQIAO)
    assert nearby(api, shopper, PEOPLES_SQUARE, radius_km=10).body["items"] == []
    moved = api.patch(f"/admin/v1/stores/{store}", {"lat": LUJIAZUI[0], "lng": LUJIAZUI[1], "name": "Moved"},
                      token=shop["api_key"])
    assert moved.status == 200 and moved.body["name"] == "Moved"
    found = nearby(api, shopper, PEOPLES_SQUARE, radius_km=10).body["items"]
    assert [s["id"] for s in found] == [store] and 2400 < found[0]["distance_m"] < 2800
    only_lat = api.patch(f"/admin/v1/stores/{store}", {"lat": HONGQIAO[0]}, token=shop["api_key"])
    assert only_lat.status == 200 and (only_lat.body["lat"], only_lat.body["lng"]) == (HONGQIAO[0], LUJIAZUI[1])
    assert api.patch(f"/admin/v1/stores/{store}", {}, token=shop["api_key"]).status == 422
    assert api.patch(f"/admin/v1/stores/{store}", {"name": None}, token=shop["api_key"]).status == 422


def test_deactivated_store_disappears_for_shoppers_and_can_reopen(api, shop, shopper):
    store = add_store(api, shop, "Jing'an", JINGAN)
    assert api.get(f"/v1/stores/{store}", token=shopper["token"]).status == 200
    gone = api.delete(f"/admin/v1/stores/{store}", token=shop["api_key"])
    assert gone.status == 200 and gone.body["active"] is False
    assert api.delete(f"/admin/v1/stores/{store}", token=shop["api_key"]).status == 200  # idempotent
    assert nearby(api, shopper, JINGAN).body["items"] == []
    hidden = api.get(f"/v1/stores/{store}", token=shopper["token"])
    assert hidden.status == 404 and hidden.body["error"]["code"] == "store_not_found"
    assert api.get(f"/admin/v1/stores/{store}", token=shop["api_key"]).body["active"] is False
    api.patch(f"/admin/v1/stores/{store}", {"active": True}, token=shop["api_key"])
    assert [s["id"] for s in nearby(api, shopper, JINGAN).body["items"]] == [store]


def test_nearby_is_nearest_first_with_distances_and_pages(api, shop, shopper):
    ids = {name: add_store(api, shop, name, point)
           for name, point in (("Lujiazui", LUJIAZUI), ("Jing'an", JINGAN), ("Square", PEOPLES_SQUARE),
                               ("Hongqiao", HONGQIAO))}
    reply = nearby(api, shopper, PEOPLES_SQUARE)
    assert reply.status == 200
    items = reply.body["items"]
    assert [s["id"] for s in items] == [ids["Square"], ids["Lujiazui"], ids["Jing'an"]]
    assert items[0]["distance_m"] == 0 and items[1]["distance_m"] < items[2]["distance_m"] < 5000
    assert set(items[0]) == {"id", "name", "address", "lat", "lng", "distance_m", "pickup_enabled", "opening_hours"}
    assert reply.body["next_cursor"] is None
    seen, cursor = [], None
    while True:
        page = nearby(api, shopper, PEOPLES_SQUARE, limit=1, **({"cursor": cursor} if cursor else {}))
        assert page.status == 200 and len(page.body["items"]) <= 1
        seen += [s["id"] for s in page.body["items"]]
        cursor = page.body["next_cursor"]
        if not cursor:
            break
    assert seen == [s["id"] for s in items]
    other_query = nearby(api, shopper, LUJIAZUI, limit=1, cursor=nearby(api, shopper, PEOPLES_SQUARE, limit=1)
                         .body["next_cursor"])
    assert other_query.status == 400 and other_query.body["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("query, field", [
    ("lat=91&lng=121", "lat"), ("lat=-90.0001&lng=121", "lat"), ("lat=abc&lng=121", "lat"),
    ("lat=nan&lng=121", "lat"), ("lat=inf&lng=121", "lat"), ("lat=1_0&lng=121", "lat"), ("lng=121", "lat"),
    ("lat=31&lng=180.5", "lng"), ("lat=31&lng=", "lng"), ("lat=31&lng=0x10", "lng"),
    ("lat=31&lng=121&radius_km=0", "radius_km"), ("lat=31&lng=121&radius_km=10.01", "radius_km"),
    ("lat=31&lng=121&radius_km=-1", "radius_km"), ("lat=31&lng=121&radius_km=five", "radius_km"),
    ("lat=31&lng=121&limit=0", "limit"), ("lat=31&lng=121&cursor=forged", None),
])
def test_bad_nearby_queries_are_400_naming_the_field(api, shopper, query, field):
    reply = api.get(f"/v1/stores/nearby?{query}", token=shopper["token"])
    assert reply.status == 400, reply.body
    if field:
        assert reply.body["error"]["field"] == field


def test_edge_coordinates_are_accepted(api, shopper):
    for query in ("lat=90&lng=180", "lat=-90&lng=-180", "lat=0&lng=0&radius_km=10", "lat=1e1&lng=-1.5e2",
                  "lat=31.2&lng=121.4&radius_km=0.05"):
        reply = api.get(f"/v1/stores/nearby?{query}", token=shopper["token"])
        assert reply.status == 200 and reply.body == {"items": [], "next_cursor": None}, (query, reply.body)


def test_stores_never_cross_the_tenant_wall(api, shop, shopper, platform_key):
    other = api.post("/admin/v1/shops", {"name": "Other"}, token=platform_key).body
    theirs = add_store(api, other, "Theirs", PEOPLES_SQUARE)
    mine = add_store(api, shop, "Mine", PEOPLES_SQUARE)
    assert [s["id"] for s in nearby(api, shopper, PEOPLES_SQUARE).body["items"]] == [mine]
    assert api.get(f"/v1/stores/{theirs}", token=shopper["token"]).status == 404
    assert api.get(f"/admin/v1/stores/{theirs}", token=shop["api_key"]).status == 404
    assert api.patch(f"/admin/v1/stores/{theirs}", {"name": "x"}, token=shop["api_key"]).status == 404
    assert api.delete(f"/admin/v1/stores/{theirs}", token=shop["api_key"]).status == 404
    assert [s["id"] for s in api.get("/admin/v1/stores", token=shop["api_key"]).body["items"]] == [mine]
    their_cursor = api.get("/admin/v1/stores?limit=1", token=other["api_key"])
    add_store(api, other, "Theirs too", LUJIAZUI)
    cursor = api.get("/admin/v1/stores?limit=1", token=other["api_key"]).body["next_cursor"]
    assert their_cursor.status == 200 and cursor
    assert api.get(f"/admin/v1/stores?cursor={cursor}", token=shop["api_key"]).status == 400


def test_unknown_store_ids_are_404(api, shop, shopper):
    assert api.get("/v1/stores/not-an-id", token=shopper["token"]).status == 404
    assert api.get("/v1/stores/01ARZ3NDEKTSV4RRFFQ69G5FAV", token=shopper["token"]).status == 404
    assert api.patch("/admin/v1/stores/01ARZ3NDEKTSV4RRFFQ69G5FAV", {"name": "x"}, token=shop["api_key"]).status == 404


def test_demo_stores_are_found_from_peoples_square(api, shop, shopper):
    from local import demo_stores

    ids = demo_stores.seed(shop["shop_id"])
    found = nearby(api, shopper, PEOPLES_SQUARE).body["items"]
    assert [s["id"] for s in found] == ids and found[0]["distance_m"] == 0 and found[1]["pickup_enabled"]


def test_radius_defaults_to_5_km_and_goes_up_to_10(api, shop, shopper):
    wujiaochang = add_store(api, shop, "Wujiaochang", (31.2990, 121.5140))  # ~8.5 km from People's Square
    assert nearby(api, shopper, PEOPLES_SQUARE).body["items"] == []
    found = nearby(api, shopper, PEOPLES_SQUARE, radius_km=10).body["items"]
    assert [s["id"] for s in found] == [wujiaochang] and 8000 < found[0]["distance_m"] < 9000


def test_a_change_racing_an_update_is_not_lost(api, shop, shopper, monkeypatch):
    """Updates are conditioned on the version read: a racing move makes a re-open re-read, not index the old spot."""
    from functions.stores import repository

    store = add_store(api, shop, "Racing", JINGAN)
    api.delete(f"/admin/v1/stores/{store}", token=shop["api_key"])
    stale = repository.get(shop["shop_id"], store, consistent=True)  # inactive, at Jing'an
    api.patch(f"/admin/v1/stores/{store}", {"lat": LUJIAZUI[0], "lng": LUJIAZUI[1]}, token=shop["api_key"])
    real_get, calls = repository.get, []

    def first_read_is_stale(*args, **kwargs):
        calls.append(1)
        return stale if len(calls) == 1 else real_get(*args, **kwargs)

    monkeypatch.setattr(repository, "get", first_read_is_stale)
    reopened = api.patch(f"/admin/v1/stores/{store}", {"active": True}, token=shop["api_key"])
    assert reopened.status == 200 and len(calls) == 2
    assert reopened.body["active"] is True and (reopened.body["lat"], reopened.body["lng"]) == LUJIAZUI
    assert [s["id"] for s in nearby(api, shopper, LUJIAZUI, radius_km=0.1).body["items"]] == [store]
    assert nearby(api, shopper, JINGAN, radius_km=0.1).body["items"] == []
