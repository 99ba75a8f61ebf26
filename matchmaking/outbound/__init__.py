"""Outbound messages: email and group-robot webhooks, on top of the in-app notifications.

``kinds`` says what a user can choose per kind of message; ``channels`` sends; ``service``
decides who gets what, when (preferences, quiet hours, rate limits) and records every send
in the ``deliveries`` log; ``digest`` words the weekly 科技成果直通车; ``reminders`` finds
pairings that stalled. Sending happens only in worker tasks (``workers/tasks/outbound.py``).
"""
