"""The channels people reach Concierge through: the web API and widget, and (later) Slack."""
