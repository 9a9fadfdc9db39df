"""Shops, staff keys, login and the basic error contract, against DynamoDB Local."""


def test_platform_creates_shop_and_owner_key_works(api, shop):
    reply = api.get("/admin/v1/shop", token=shop["api_key"])
    assert reply.status == 200
    assert reply.body["shop_id"] == shop["shop_id"]
    assert reply.body["settings"]["pay_timeout_minutes"] == 15


def test_creating_a_shop_needs_the_platform_key(api, shop):
    assert api.post("/admin/v1/shops", {"name": "x"}).status == 401
    assert api.post("/admin/v1/shops", {"name": "x"}, token="pk_wrong").status == 403
    assert api.post("/admin/v1/shops", {"name": "x"}, token=shop["api_key"]).status == 403


def test_first_login_creates_the_shopper_and_same_name_is_same_user(api, shop):
    first = api.login(shop["shop_id"], "bob")
    again = api.login(shop["shop_id"], "bob")
    other = api.login(shop["shop_id"], "carol")
    assert first["is_new"] is True and again["is_new"] is False
    assert first["user_id"] == again["user_id"] != other["user_id"]
    me = api.get("/v1/me", token=again["token"])
    assert me.status == 200 and me.body["id"] == first["user_id"]


def test_a_login_code_works_once(api, shop):
    body = {"shop_id": shop["shop_id"], "code": "dave#once"}
    assert api.post("/v1/auth/login", body).status == 200
    reply = api.post("/v1/auth/login", body)
    assert reply.status == 401 and reply.body["error"]["code"] == "code_used"


def test_login_to_an_unknown_shop_is_404(api):
    reply = api.post("/v1/auth/login", {"shop_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "code": "x"})
    assert reply.status == 404 and reply.body["error"]["code"] == "shop_not_found"


def test_bad_input_names_the_field(api):
    reply = api.post("/v1/auth/login", {"shop_id": "nope", "code": "x"})
    assert reply.status == 422 and reply.body["error"]["field"] == "shop_id"
    missing = api.post("/v1/auth/login", {"code": "x"})
    assert missing.status == 422 and missing.body["error"]["field"] == "shop_id"
    malformed = api.request("POST", "/v1/auth/login", raw=b"{not json")
    assert malformed.status == 400 and malformed.body["error"]["code"] == "malformed_json"
    too_big = api.request("POST", "/v1/auth/login", raw=b'{"code": "' + b"x" * 70000 + b'"}')
    assert too_big.status == 413


def test_unknown_route_is_a_json_404(api):
    reply = api.get("/v1/nothing-here")
    assert reply.status == 404 and reply.body["error"]["code"] == "route_not_found"


def test_viewer_keys_cannot_write_and_only_owner_makes_keys(api, shop):
    viewer = api.post("/admin/v1/staff-keys", {"role": "viewer"}, token=shop["api_key"])
    assert viewer.status == 201
    key = viewer.body["api_key"]
    assert api.get("/admin/v1/shop", token=key).status == 200
    denied = api.put("/admin/v1/settings", {"pay_timeout_minutes": 30}, token=key)
    assert denied.status == 403 and denied.body["error"]["code"] == "read_only_key"
    assert api.post("/admin/v1/staff-keys", {"role": "owner"}, token=key).status == 403
    listed = api.get("/admin/v1/staff-keys", token=shop["api_key"])
    assert len(listed.body["items"]) == 2 and all("api_key" not in k for k in listed.body["items"])


def test_settings_are_validated_and_merged(api, shop):
    ok = api.put("/admin/v1/settings", {"pay_timeout_minutes": 30}, token=shop["api_key"])
    assert ok.status == 200 and ok.body["settings"]["pay_timeout_minutes"] == 30
    bad = api.put("/admin/v1/settings", {"pay_timeout_minutes": 0}, token=shop["api_key"])
    assert bad.status == 422 and bad.body["error"]["field"] == "pay_timeout_minutes"
    unknown = api.put("/admin/v1/settings", {"owner": "me"}, token=shop["api_key"])
    assert unknown.status == 422
