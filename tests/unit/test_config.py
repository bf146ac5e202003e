"""Production refuses to start without real secrets; the default runs on SQLite under instance/."""

import pytest

from config import ProductionConfig, config_from_env


def test_production_refuses_without_secret_and_database(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        ProductionConfig()
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        ProductionConfig()


def test_production_takes_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 32)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db/pool")
    monkeypatch.setenv("APP_CONFIG", "production")
    cfg = config_from_env()
    assert cfg.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://db/pool"
    assert cfg.SESSION_COOKIE_SECURE is True


def test_default_is_sqlite_under_instance(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("DATABASE_URL", raising=False)
    fresh = importlib.reload(config)
    try:
        assert fresh.Config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
        assert fresh.Config.SQLALCHEMY_DATABASE_URI.endswith("instance/pool.db")
    finally:
        importlib.reload(config)
