"""CRM adapters: the embedded SQL CRM, a shop's own REST CRM, and incoming webhooks."""
