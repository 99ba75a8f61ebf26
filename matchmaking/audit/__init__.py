"""The append-only audit log of changes to outcome records."""
