"""The only place an app is built at import time (gunicorn wsgi:app, flask --app wsgi)."""

from config import config_from_env
from pool import create_app

app = create_app(config_from_env())
