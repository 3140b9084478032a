"""The support team's side: the agent API and the Slack app."""
