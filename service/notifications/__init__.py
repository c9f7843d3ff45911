"""Notifications: the outbox of emails and webhook deliveries, webhook endpoints, calendar feeds."""
