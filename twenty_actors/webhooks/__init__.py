"""Webhooks: operations, the SSRF guard, and the sender that drains the delivery outbox."""
