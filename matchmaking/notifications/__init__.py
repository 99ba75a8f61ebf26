"""In-platform notifications (a list per user with an unread count)."""
