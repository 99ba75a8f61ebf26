"""Docking (对接): one need paired with one achievement or expert, from request to agreement."""
