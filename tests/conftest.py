"""Test session set-up: one in-memory DynamoDB Local on a free port, tables from infra/table.json.

The environment is configured when this root conftest is imported — before pytest imports any
deeper conftest or test module that imports the core (settings are read once, and PynamoDB
models read their endpoint at import time).
"""
import os
import secrets

import pytest
from hypothesis import settings as hypothesis_settings

from local import environment
from local.dynamodb_local import DynamoDBLocal

PLATFORM_KEY = "pk_test_" + secrets.token_urlsafe(16)
_dynamodb = None


def _start_backend() -> None:
    """Start DynamoDB Local (unless CROWDCART_TEST_DYNAMODB_ENDPOINT names one) and create the tables."""
    global _dynamodb
    endpoint = os.environ.get("CROWDCART_TEST_DYNAMODB_ENDPOINT")
    if not endpoint:
        _dynamodb = DynamoDBLocal().start()
        endpoint = _dynamodb.endpoint
    table = "crowdcart-test-" + secrets.token_hex(4)
    environment.configure(endpoint, "test-jwt-secret-" + "x" * 32, PLATFORM_KEY, table=table)
    os.environ["CROWDCART_WECHAT_MODE"] = "sandbox"
    os.environ["POWERTOOLS_LOG_LEVEL"] = "CRITICAL"
    from infra.tables import create_tables

    create_tables(environment.dynamodb_client(), environment.table_names())


_start_backend()

# Property tests draw the same examples on every run (reproducible CI, no load-dependent deadlines);
# set HYPOTHESIS_PROFILE=explore to search with fresh random examples.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, database=None)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_unconfigure(config):
    """Stop DynamoDB Local."""
    if _dynamodb:
        _dynamodb.stop()


@pytest.fixture(scope="session")
def platform_key():
    """The platform operator's key for this test session."""
    return PLATFORM_KEY


@pytest.fixture(scope="session")
def api():
    """An HTTP client for the whole app, in-process (chalice.test.Client)."""
    from tests.fakes.http import Api

    return Api()


@pytest.fixture
def shop(api, platform_key):
    """A fresh shop (so every test has its own tenant): {shop_id, api_key}."""
    response = api.post("/admin/v1/shops", {"name": "Test shop"}, token=platform_key)
    assert response.status == 201, response.body
    return response.body


@pytest.fixture
def shopper(api, shop):
    """A logged-in shopper of `shop`: {token, user_id}."""
    return api.login(shop["shop_id"], "alice")
