"""工作提醒 (inbox) and the checks pages: views.py, checks.py, forms.py, display.py."""
