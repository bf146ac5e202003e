"""The migrations build the schema and seed the 13 districts on every backend."""

from sqlalchemy import func, inspect, select

from models import District


def test_upgrade_builds_schema_and_seeds_districts(session):
    assert session.scalar(select(func.count()).select_from(District)) == 13
    names = {d.code: d.name for d in session.scalars(select(District))}
    assert names["330113"] == "临平区" and names["330182"] == "建德市"
    assert "330103" not in names  # 下城区 was abolished in 2021
    tables = set(inspect(session.get_bind()).get_table_names())
    assert {"firms", "annual_indicators", "upgrade_cases", "audit_events", "users", "api_tokens"} <= tables
