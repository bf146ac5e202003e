"""The only place an app is built at import time (gunicorn wsgi:app, flask --app wsgi)."""

from config import config_from_env
from pool import create_app
from pool.serving import ready_to_serve

app = ready_to_serve(create_app(config_from_env()))
