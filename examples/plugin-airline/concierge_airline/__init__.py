"""concierge-airline: an airline's members, flights and reservations as a Concierge plugin.

The data and the agent policy are τ-bench's airline domain (data/README.md). Everything Concierge needs
comes through its hooks (``concierge_airline.plugin``); Concierge's engine never imports this package.
"""
