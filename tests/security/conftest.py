"""Two shops (A attacks, B is the victim), their shoppers and objects, shared by the security suite."""
from dataclasses import dataclass

import pytest

import tests.security.recipes  # noqa: F401 - registers the recipes (and, through them, the factories)
from crowdcart.payments import secrets as pay_secrets
from tests.security.registry import Tenant


@dataclass
class World:
    """Shop A (the attacker's: shoppers x and y) and shop B (the victim's)."""

    a: Tenant
    b: Tenant


@pytest.fixture(scope="session")
def pay_sandbox():
    """WeChat Pay secrets in memory for this process (as tests/fakes/orders.py's fixture does)."""
    previous = pay_secrets.store()
    if not isinstance(previous, pay_secrets.MemoryStore):
        pay_secrets.use_store(pay_secrets.MemoryStore())
    yield
    pay_secrets.use_store(previous)


@pytest.fixture(scope="session")
def world(api, platform_key, pay_sandbox):
    """The two shops; objects are made on first use and cached per shop and shopper."""
    return World(a=Tenant(api, platform_key, "A"), b=Tenant(api, platform_key, "B"))
