"""The order system: SQLModel tables seeded from τ-bench retail, its store, tools and replay."""

from tools.orders.seed import seed_orders
from tools.orders.store import customer_order_ids, export_store, order_record, product_record, user_record
from tools.orders.tools import ORDER_TOOLS, get_order_details, normalize_order_id

__all__ = ["ORDER_TOOLS", "customer_order_ids", "export_store", "get_order_details", "normalize_order_id",
           "order_record", "product_record", "seed_orders", "user_record"]
