"""Fixtures shared by the unit tests of tools."""

import pytest

from tools.listings import plugin as listings_plugin
from tools.orders import plugin as orders_plugin
from tools.registry import Registry


@pytest.fixture
def registry() -> Registry:
    """The built-in order and listing tools, registered as their plugins would."""
    r = Registry()
    r.load("listings", listings_plugin)
    r.load("orders", orders_plugin)
    return r
