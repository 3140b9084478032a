"""The order system: SQLModel tables seeded from τ-bench retail, its store and tools."""

from tools.orders.seed import seed_orders
from tools.orders.store import customer_order_ids, order_record
from tools.orders.tools import get_order_details, normalize_order_id

__all__ = ["customer_order_ids", "get_order_details", "normalize_order_id", "order_record", "seed_orders"]
