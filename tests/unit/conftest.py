"""Fixtures shared by the unit tests of tools."""

import pytest

from tools.listings import register_tools as register_listings
from tools.orders import register_tools as register_orders
from tools.registry import Registry


@pytest.fixture
def registry() -> Registry:
    """The built-in order and listing tools, registered as their plugins would."""
    r = Registry()
    r.load("orders", register_orders)
    r.load("listings", register_listings)
    return r
