"""Configurations. The default runs on an SQLite file under instance/; production insists on real secrets."""

import os
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
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
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
