"""Conversations, messages and the durable outbox (SMS, WhatsApp, web)."""
