"""Exports of needs, achievements and experts: Excel (re-importable) and printable booklets."""
