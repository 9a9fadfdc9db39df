"""Requests the fuzzer (tests/fuzz/test_schemathesis.py) once answered with a 5xx or a schema break,
replayed in-process on every run so they stay fixed. Add each new finding here with its fix."""
import pytest

FOUND = [
    # a denormal longitude (-2.6e-256) is outside DynamoDB's number range: coordinates are rounded to 1e-7
    ("merchant", "POST", "/admin/v1/stores",
     {"address": "人民广场", "lng": -2.606464025554567e-256, "lat": -21.979144542478636, "name": "Store 204242"}, 201),
    ("merchant", "POST", "/admin/v1/stores", {"address": "x", "lng": 1e-300, "lat": -1e-200, "name": "Tiny"}, 201),
]


@pytest.mark.parametrize("who,method,path,body,status", FOUND, ids=[f"{m} {p}" for _, m, p, _, _ in FOUND])
def test_what_the_fuzzer_found_stays_fixed(api, shop, shopper, who, method, path, body, status):
    token = {"merchant": shop["api_key"], "shopper": shopper["token"]}[who]
    reply = api.request(method, path, body, token=token)
    assert reply.status == status, reply.body
