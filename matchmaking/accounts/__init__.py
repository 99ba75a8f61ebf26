"""Accounts: users, roles, passwords, API tokens, and the one permission layer."""
