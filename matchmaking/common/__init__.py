"""Pieces several concepts share: the item concepts' (needs, achievements, experts) base
service and repository, paging, validation, state machines and versioned solver runs."""
