"""The shopper's own account: CRM records, the ledger of what was read, account actions."""
