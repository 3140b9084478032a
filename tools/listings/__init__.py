"""The listing & reservation system: an Airbnb-style marketplace generated at seed time."""

from tools.listings.models import reservation_state
from tools.listings.seed import generate_listings, seed_listings

__all__ = ["generate_listings", "reservation_state", "seed_listings"]
