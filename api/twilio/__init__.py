"""Everything that knows Twilio: webhooks, signatures, statuses, error codes, the REST transport, WhatsApp.

Like a courier channel handler: receive, status, send and error meanings in one place. The outbox, the
gateway and the rest of messaging speak only in our own terms (DeliveryStatus, Outgoing, SendFailed).
"""
