"""Broken authentication and function-level authorization (OWASP API2, API5), for every route:

- no credentials → 401 on every route that needs any;
- a shopper token on merchant and platform routes → 403; a merchant key on shopper and platform
  routes → 403; the platform key is no shopper token (401) and no merchant key (403);
- a viewer key on every merchant route that is not a GET → 403; an operator key on owner-only routes → 403;
- forged shopper JWTs (alg none, wrong key, expired, tampered claims, another algorithm, foreign
  audience/issuer, a token in the query string) → 401 on every shopper route;
- forged merchant keys → 401 on every merchant route;
- WeChat Pay webhooks without a signature → refused.

Each request is otherwise the rightful caller's valid request (see test_positive.py), so only the
credential decides; and a refused request commits no DynamoDB write.
"""
import base64
import json
import secrets

import jwt
import pytest

from crowdcart.clock import now
from crowdcart.settings import get_settings
from tests.security import catalogue
from tests.security.registry import build, recipe_of, rightful
from tests.security.watch import committed_writes, dynamodb_calls

ROUTES = [r for r in catalogue.routes() if r.documented]
GUARDED = [r for r in ROUTES if r.auth in catalogue.CREDENTIALED]


def _attempt(api, route, world, token, *, headers=None, path_suffix=""):
    """The rightful request of `route` in shop A, sent with `token` instead; (reply, committed writes)."""
    caller = rightful(route, world.a)
    request = build(route, caller.objects, path_objects=caller.path_objects)
    with dynamodb_calls() as calls:
        reply = api.request(request.method, request.path + path_suffix, request.body, token=token,
                            headers=dict(request.headers, **(headers or {})))
    return request, reply, committed_writes(calls)


def _refused(route, request, reply, writes, expected):
    assert reply.status in expected, f"{route}: {request} → {reply.status} {reply.body}"
    assert isinstance(reply.body, dict) and reply.body.get("error", {}).get("code"), reply.body
    assert not writes, f"{route}: refused with {reply.status}, yet wrote {[w.keys() for w in writes]}"


@pytest.mark.parametrize("route", GUARDED, ids=str)
def test_no_credentials_is_401(api, world, route):
    request, reply, writes = _attempt(api, route, world, None)
    _refused(route, request, reply, writes, (401,))


@pytest.mark.parametrize("route", GUARDED, ids=str)
def test_credentials_of_another_kind_are_refused(api, world, route):
    shopper, merchant, platform = world.a.shopper("x").token, world.a.owner_key, world.a.platform_key
    wrong = {
        "shopper": [(merchant, (403,)), (platform, (401,))],
        "merchant": [(shopper, (403,)), (platform, (403,))],
        "platform": [(shopper, (403,)), (merchant, (403,))],
    }[route.auth]
    for token, expected in wrong:
        request, reply, writes = _attempt(api, route, world, token)
        _refused(route, request, reply, writes, expected)


MERCHANT_WRITES = [r for r in ROUTES if r.auth == "merchant" and r.writes]
OWNER_ONLY = [r for r in ROUTES if r.auth == "merchant" and recipe_of(r).owner_only]


@pytest.mark.parametrize("route", MERCHANT_WRITES, ids=str)
def test_viewer_keys_cannot_write(api, world, route):
    request, reply, writes = _attempt(api, route, world, world.a.key("viewer"))
    _refused(route, request, reply, writes, (403,))


@pytest.mark.parametrize("route", OWNER_ONLY, ids=str)
def test_operator_keys_cannot_do_what_only_the_owner_may(api, world, route):
    request, reply, writes = _attempt(api, route, world, world.a.key("operator"))
    _refused(route, request, reply, writes, (403,))


def test_viewer_keys_can_read(api, world):
    """The refusals above are about the role: a viewer reads every merchant GET that is not owner-only."""
    reads = [r for r in ROUTES if r.auth == "merchant" and not r.writes and not recipe_of(r).owner_only]
    assert reads
    for route in reads:
        request, reply, _ = _attempt(api, route, world, world.a.key("viewer"))
        assert reply.status == 200, f"{route}: viewer {request} → {reply.status} {reply.body}"


# ---------------------------------------------------------------- forged shopper tokens

def _claims(who, **override):
    settings = get_settings()
    base = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "sub": who.user_id, "shop": who_shop(who),
            "iat": now(), "exp": now() + 600}
    base.update(override)
    return base


def who_shop(who):
    return jwt.decode(who.token, options={"verify_signature": False})["shop"]


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _forged(who, case):
    secret = get_settings().jwt_secret
    good = _claims(who)
    header, payload, signature = who.token.split(".")
    return {
        "alg_none": lambda: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(good)}.",
        "wrong_key": lambda: jwt.encode(good, "not-our-secret-" + secrets.token_hex(24), algorithm="HS256"),
        "expired": lambda: jwt.encode(_claims(who, iat=now() - 7200, exp=now() - 1), secret, algorithm="HS256"),
        "other_audience": lambda: jwt.encode(_claims(who, aud="another-app"), secret, algorithm="HS256"),
        "other_issuer": lambda: jwt.encode(_claims(who, iss="someone-else"), secret, algorithm="HS256"),
        "hs512": lambda: jwt.encode(good, secret, algorithm="HS512"),
        "tampered_claims": lambda: f"{header}.{_b64(dict(good, sub='01ARZ3NDEKTSV4RRFFQ69G5FAV'))}.{signature}",
        "signature_stripped": lambda: f"{header}.{payload}.",
    }[case]()


JWT_CASES = ["alg_none", "wrong_key", "expired", "other_audience", "other_issuer", "hs512", "tampered_claims",
             "signature_stripped"]
SHOPPER_ROUTES = [r for r in ROUTES if r.auth == "shopper"]


@pytest.mark.parametrize("route", SHOPPER_ROUTES, ids=str)
@pytest.mark.filterwarnings("ignore:The HMAC key")
def test_forged_shopper_tokens_are_401(api, world, route):
    who = world.a.shopper("x")
    for case in JWT_CASES:
        request, reply, writes = _attempt(api, route, world, _forged(who, case))
        _refused(route, request, reply, writes, (401,))
    separator = "&" if "?" in build(route, rightful(route, world.a).objects).path else "?"
    request, reply, writes = _attempt(api, route, world, None, path_suffix=f"{separator}access_token={who.token}")
    _refused(route, request, reply, writes, (401,))


MERCHANT_ROUTES = [r for r in ROUTES if r.auth == "merchant"]


@pytest.mark.parametrize("route", MERCHANT_ROUTES, ids=str)
def test_forged_merchant_keys_are_401(api, world, route):
    own = world.a.owner_key
    shop_a, shop_b = world.a.shop_id, world.b.shop_id
    for forged in (f"mk_{shop_a}_{secrets.token_urlsafe(32)}",  # guessed secret
                   own.replace(shop_a, shop_b),  # A's secret presented as shop B's
                   own[:-1] + ("A" if own[-1] != "A" else "B"),  # one character off
                   "mk_", f"mk_{shop_a}"):
        request, reply, writes = _attempt(api, route, world, forged)
        _refused(route, request, reply, writes, (401,))


WEBHOOKS = [r for r in ROUTES if r.auth == "wechatpay"]


@pytest.mark.parametrize("route", WEBHOOKS, ids=str)
def test_unsigned_webhooks_are_refused(api, world, route):
    body = {"id": "EV-1", "event_type": "TRANSACTION.SUCCESS", "resource_type": "encrypt-resource", "resource": {}}
    for headers in ({}, {"Wechatpay-Signature": "WECHATPAY/SIGNTEST/abc", "Wechatpay-Timestamp": str(now()),
                         "Wechatpay-Nonce": "n", "Wechatpay-Serial": "PUB_KEY_ID_1"}):
        request = build(route, world.a.objects("x"))
        with dynamodb_calls() as calls:
            reply = api.request(route.method, request.path, body, headers=headers)
        assert 400 <= reply.status < 500, f"{route} {headers} → {reply.status} {reply.body}"
        assert not committed_writes(calls)
