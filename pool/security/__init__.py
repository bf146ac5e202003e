"""Defences at the edge: throttling of guesses (`throttle`) and the security headers of every response
(`headers`)."""
