"""产学研对接平台 — the matchmaking domain."""
