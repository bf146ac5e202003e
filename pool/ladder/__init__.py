"""Ladder cases in the browser: open a case from the firm page, read it, take its actions (views.py)."""
