"""Shopper JWTs: anything but a well-formed HS256 token of ours, unexpired, for our iss/aud, is a 401."""
import base64
import json
import os

import jwt
import pytest

from crowdcart.clock import now
from crowdcart.settings import get_settings

ROUTE = "/v1/products"


def claims(shop_id, user_id, **override):
    settings = get_settings()
    base = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "sub": user_id, "shop": shop_id,
            "iat": now(), "exp": now() + 600}
    base.update(override)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload, key=None, algorithm="HS256"):
    return jwt.encode(payload, key or os.environ["CROWDCART_JWT_SECRET"], algorithm=algorithm)


def unsigned(payload):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def test_a_valid_token_is_accepted(api, shopper, shop):
    assert api.get(ROUTE, token=signed(claims(shop["shop_id"], shopper["user_id"]))).status == 200
    assert api.get(ROUTE, token=shopper["token"]).status == 200


@pytest.mark.parametrize("case", ["alg_none", "wrong_key", "expired", "wrong_aud", "wrong_iss", "hs512",
                                  "no_exp", "no_shop", "garbage", "three_dots", "empty_sig"])
@pytest.mark.filterwarnings("ignore:The HMAC key")
def test_bad_tokens_are_401(api, shopper, shop, case):
    good = claims(shop["shop_id"], shopper["user_id"])
    token = {
        "alg_none": lambda: unsigned(good),
        "wrong_key": lambda: signed(good, key="another-secret-" + "y" * 40),
        "expired": lambda: signed(dict(good, iat=now() - 7200, exp=now() - 60)),
        "wrong_aud": lambda: signed(dict(good, aud="someone-else")),
        "wrong_iss": lambda: signed(dict(good, iss="evil")),
        "hs512": lambda: signed(good, algorithm="HS512"),
        "no_exp": lambda: signed(claims(shop["shop_id"], shopper["user_id"], exp=None)),
        "no_shop": lambda: signed(claims(None, shopper["user_id"])),
        "garbage": lambda: "not-a-token",
        "three_dots": lambda: "a.b.c",
        "empty_sig": lambda: signed(good).rsplit(".", 1)[0] + ".",
    }[case]()
    reply = api.get(ROUTE, token=token)
    assert reply.status == 401, (case, reply.body)
    assert reply.body["error"]["code"] == ("token_expired" if case == "expired" else "invalid_token")


def test_missing_or_malformed_authorization_is_401(api):
    assert api.get(ROUTE).status == 401
    assert api.get(ROUTE, headers={"authorization": "Basic abc"}).status == 401
