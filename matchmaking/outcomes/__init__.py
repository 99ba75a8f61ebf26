"""Outcomes: cooperation agreements, technology contracts (四技合同) and money received."""
