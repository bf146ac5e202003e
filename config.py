"""Configurations. The default runs on an SQLite file under instance/; production insists on real secrets."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'pool.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False
    WTF_CSRF_ENABLED = True
    PER_PAGE_DEFAULT = 20
    PER_PAGE_MAX = 200
    # Sessions (pool.auth): a session ends after SESSION_IDLE_MINUTES without a request (each request
    # renews it); "记住我" keeps a user logged in for REMEMBER_DAYS. Logout, a password change and
    # deactivation end every session and remember-me cookie of the user (models.User.session_generation).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=float(os.environ.get("SESSION_IDLE_MINUTES", 30)))
    SESSION_REFRESH_EACH_REQUEST = True
    REMEMBER_COOKIE_DURATION = timedelta(days=float(os.environ.get("REMEMBER_DAYS", 14)))
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Throttling guesses (pool.security.throttle, Flask-Limiter): failed logins per account and per client
    # address, failed API token checks per address. The counters live in memory (one process) unless
    # RATELIMIT_STORAGE_URI names a shared store, e.g. redis://host:6379/0 (needs the `redis` package).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 5 minutes; 30 per hour")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 5 minutes; 100 per hour")
    API_AUTH_LIMIT_PER_ADDRESS = os.environ.get("API_AUTH_LIMIT_PER_ADDRESS", "10 per minute; 60 per hour")
    # Security headers (pool.security.headers); HSTS only where the site is served over HTTPS.
    HSTS_SECONDS = 0
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", 0))  # reverse proxies in front (X-Forwarded-For)
    # Imports and exports (pool.imports): upload limit, where uploads and export files live (None: under
    # instance/), how many rows a list page streams before exporting in the background.
    MAX_IMPORT_MB = float(os.environ.get("MAX_IMPORT_MB", 100))
    IMPORT_UPLOAD_DIR = os.environ.get("IMPORT_UPLOAD_DIR")
    RUN_QUEUED_INLINE = False  # True: queued imports/exports/checks run inside the request (tests only)
    EXPORT_DIR = os.environ.get("EXPORT_DIR")
    EXPORT_INLINE_MAX_ROWS = 20_000
    EXPORT_KEEP_HOURS = 24
    # The scheduler process (pool.scheduler): claim tick and heartbeat periods, a lease's term, when a
    # heartbeat is stale, worker threads (PostgreSQL; SQLite has one), how long stopping waits for runs;
    # SCHEDULER_CRON ("check=crontab; ...") replaces the policy's schedules for a trial or a test.
    SCHEDULER_TICK_SECONDS = float(os.environ.get("SCHEDULER_TICK_SECONDS", 3))
    SCHEDULER_BEAT_SECONDS = float(os.environ.get("SCHEDULER_BEAT_SECONDS", 5))
    SCHEDULER_LEASE_SECONDS = float(os.environ.get("SCHEDULER_LEASE_SECONDS", 60))
    SCHEDULER_ALIVE_SECONDS = float(os.environ.get("SCHEDULER_ALIVE_SECONDS", 30))
    SCHEDULER_WORKERS = int(os.environ.get("SCHEDULER_WORKERS", 2))
    SCHEDULER_STOP_SECONDS = float(os.environ.get("SCHEDULER_STOP_SECONDS", 10))
    SCHEDULER_CRON = os.environ.get("SCHEDULER_CRON")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RUN_QUEUED_INLINE = True


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS_SECONDS = 365 * 24 * 3600

    def __init__(self) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(f"生产环境必须设置环境变量: {', '.join(missing)}")
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}


CONFIGS = {"default": Config, "test": TestConfig, "production": ProductionConfig}


def config_from_env():
    """APP_CONFIG picks the class; production is instantiated so it can refuse to start."""
    cls = CONFIGS[os.environ.get("APP_CONFIG", "default")]
    return cls() if cls is ProductionConfig else cls
