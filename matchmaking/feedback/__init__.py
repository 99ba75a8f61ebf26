"""Feedback on recommendations: a company marks an item "not relevant" to its need."""
