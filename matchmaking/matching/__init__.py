"""Matching: text preparation, embeddings, index caches, recommendations and search."""
