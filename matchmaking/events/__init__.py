"""Matchmaking events (产学研对接会): the one-to-one meeting scheduler lives in `scheduler`."""
