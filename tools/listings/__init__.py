"""The listing & reservation system: an Airbnb-style marketplace generated at seed time, and its tools."""

from tools.listings.models import reservation_state
from tools.listings.policy import cancellation_refund
from tools.listings.seed import generate_listings, seed_listings
from tools.listings.tools import LISTING_TOOLS

__all__ = ["LISTING_TOOLS", "cancellation_refund", "generate_listings", "reservation_state",
           "seed_listings"]
