"""Conversations: the service that runs turns, their jobs and events, handoff, approvals and identity."""
