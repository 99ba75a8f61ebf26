"""Pieces the item concepts (needs, achievements, experts) share."""
