"""The `q` search and the tag filter, answered from indexes, find exactly what the substring match found:
generated names (Chinese, Latin in both cases, digits, LIKE wildcards, quotes, spaces) and parts of one,
two and more characters, on SQLite and PostgreSQL, whether the part is judged narrow (indexes) or broad (scan).
The indexes themselves follow every write path: the workflows, the import, the demo's bulk load, deletion,
and the migration's backfill of firms stored before it."""

import importlib.util
import random
from pathlib import Path

import pytest
from sqlalchemy import delete, select, text

from models import Firm
from models.enums import IndustryTag
from tests.factories import XIHU
from tests.import_files import FIRM_HEADER, code, firm_row, run_import, write_csv
from tests.search_index import ASCII_LOWER, assert_indexes_follow
from workflows import search
from workflows.firms import create_firm, update_firm
from workflows.queries import firm_filters, list_firms
from workflows.rules.uscc import make_uscc, uscc_prefix

PIECES = ("杭州", "华信", "科技", "有限公司", "西湖", "鑫", "达", "Ab", "aB", "ab", "XY", "x", "2023", "5G", "%", "_",
          "\\", '"', " ", "（", "）", "Äb", "äB", "浙江", "100%", "a_b", "店")
EXTRA_QUERIES = ("a", "A", "b", "%", "_", "\\", '"', " ", "%_", "\\%", "ä", "Ä", "ab", "AB", "aB%", "科", "杭州华",
                 "有限", "公司", "2", "20", "202", "91", "913301", "没有这个", "Ä", "x%", "_b")


def generated_names(n: int, seed: int = 12) -> list[str]:
    rng = random.Random(seed)
    names = {"杭", "A", "%", "a_b", "Ab"}  # one- and two-character names, and wildcards in a name of their own
    while len(names) < n:
        names.add("".join(rng.choices(PIECES, k=rng.randint(2, 5))))
    return sorted(names)


def matches(dialect: str, name: str, uscc: str, q: str) -> bool:
    """The substring match the search always meant: SQLite's LIKE ignores the case of ASCII letters only,
    PostgreSQL's not at all; plus a USCC starting with q where q reads as a code."""
    found = q.translate(ASCII_LOWER) in name.translate(ASCII_LOWER) if dialect == "sqlite" else q in name
    code = uscc_prefix(q)
    return found or (code is not None and uscc.startswith(code))


@pytest.fixture
def register(session, users, now):
    firms = []
    for i, name in enumerate(generated_names(70)):
        data = {"uscc": make_uscc("91", XIHU, f"QCHX{i:04d}"), "name": name, "legal_form": "有限责任公司",
                "district": XIHU, "industry": "C39", "tags": [t.value for t in IndustryTag][i % 4:i % 4 + i % 3]}
        firms.append(create_firm(session, data, actor=users["city"], now=now))
    session.flush()
    return firms


def queries(firms) -> list[str]:
    rng = random.Random(7)
    found = set(EXTRA_QUERIES)
    for firm in firms:
        name = firm.name
        for length in (1, 2, 3, 4):
            if len(name) >= length:
                start = rng.randrange(len(name) - length + 1)
                part = name[start:start + length]
                found.update({part, part.swapcase()})
    found.update({firms[3].uscc, firms[3].uscc.lower(), firms[5].uscc[:10], firms[5].uscc[:2]})
    return sorted(q for q in found if q.strip())


def found_ids(session, users, q: str) -> set[int]:
    page = list_firms(session, users["city"], firm_filters({"q": q}), 1, 200)
    assert page.total == len(page.items)
    return {f.id for f in page.items}


@pytest.mark.parametrize("broad", [None, 0], ids=["indexes", "scan"])
def test_search_finds_exactly_the_substring_matches(session, users, register, monkeypatch, broad):
    dialect = session.get_bind().dialect.name
    if broad is not None:  # every part judged broad: the plain scan, which must agree as well
        monkeypatch.setattr(search, "BROAD", {"sqlite": broad, "postgresql": broad})
    for q in queries(register):
        expected = {f.id for f in register if matches(dialect, f.name, f.uscc, q.strip())}
        assert found_ids(session, users, q) == expected, q


def test_search_without_a_session_uses_the_indexes_alone(session, users, register):
    """Exports and other statements built without a session narrow through the indexes whatever the part."""
    dialect = session.get_bind().dialect.name
    for q in queries(register)[::3]:
        stmt = select(Firm.id).where(search.name_or_uscc(q))
        assert set(session.scalars(stmt)) == {f.id for f in register if matches(dialect, f.name, f.uscc, q)}, q


def test_a_uscc_or_its_start_finds_the_firm_beside_the_names(session, users, register):
    firm = register[10]
    assert found_ids(session, users, firm.uscc.lower()) == {firm.id}
    prefix = firm.uscc[:12]
    assert found_ids(session, users, prefix) == {f.id for f in register if f.uscc.startswith(prefix)}
    assert uscc_prefix("科技") is None and uscc_prefix("ab") == "AB" and uscc_prefix("APPLE") is None


def test_tag_filter_equals_the_old_json_match(session, users, register):
    for tag in IndustryTag:
        old = set(session.scalars(select(Firm.id).where(text("CAST(tags AS TEXT) LIKE :like")),
                                  {"like": f'%"{tag.value}"%'}))
        page = list_firms(session, users["city"], firm_filters({"tags": tag.value}), 1, 200)
        assert {f.id for f in page.items} == old and page.total == len(old), tag


def test_the_indexes_follow_creating_and_editing(session, users, now, register):
    assert_indexes_follow(session)
    firm = register[0]
    update_firm(session, firm, {"name": "改名后的鑫达Tech有限公司", "tags": ["culture"]}, actor=users["city"], now=now)
    assert_indexes_follow(session)
    assert found_ids(session, users, "鑫达tech" if session.get_bind().dialect.name == "sqlite" else "鑫达Tech") == {firm.id}
    assert firm.id in {f.id for f in list_firms(session, users["city"], {"tags": "culture"}, 1, 200).items}
    update_firm(session, firm, {"name": "又改了名字", "tags": []}, actor=users["city"], now=now)
    assert_indexes_follow(session)
    assert found_ids(session, users, "鑫达Tech") == set() and found_ids(session, users, "改了") == {firm.id}


def test_the_indexes_follow_an_import(session, users, now, tmp_path):
    a, b = code(), code()
    run_import(session, users["city"], write_csv(tmp_path / "a.csv", FIRM_HEADER + ["八大万亿产业"], [
        firm_row(a, "杭州导入鑫达有限公司") + ["信息经济"], firm_row(b, "杭州Ab导入有限公司") + [""]]), now=now)
    assert_indexes_follow(session)
    assert len(found_ids(session, users, "导入")) == 2
    run_import(session, users["city"], write_csv(tmp_path / "b.csv", FIRM_HEADER + ["八大万亿产业"], [
        firm_row(a, "杭州换名字有限公司") + ["健康"]]), now=now)
    assert_indexes_follow(session)
    assert [f.uscc for f in list_firms(session, users["city"], {"q": "换名字"}, 1, 20).items] == [a]
    assert [f.uscc for f in list_firms(session, users["city"], {"tags": "health"}, 1, 20).items] == [a]
    assert found_ids(session, users, "鑫达") == set()


def test_the_indexes_follow_the_demo_bulk_load(session, now):
    from workflows.demo.seed import seed_demo

    seed_demo(session, n_firms=300, seed=5, now=now)
    assert_indexes_follow(session)


def test_the_indexes_follow_raw_sql_writes_and_deletion(session, users):
    """Rows written or removed by plain SQL, as a bulk loader or an administrator would, are indexed too."""
    session.execute(text(
        "INSERT INTO firms (uscc, name, legal_form, stage, district_code, industry, tags, status, abnormal,"
        " serious_violation, tech_sme, high_tech, size_class, created_at, updated_at) VALUES"
        " (:uscc, :name, '有限责任公司', 'enterprise', '330106', 'C39', :tags, 'active', FALSE, FALSE, FALSE, FALSE,"
        " 'unknown', '2026-11-30', '2026-11-30')"),
        [{"uscc": make_uscc("91", XIHU, f"RAWX{i:04d}"), "name": name, "tags": tags} for i, (name, tags) in
         enumerate((("杭州直写鑫达有限公司", '["health", "culture"]'), ("直写", "[]"), ("直", "null")))])
    assert_indexes_follow(session)
    assert len(found_ids(session, users, "直写")) == 2 and len(found_ids(session, users, "直")) == 3
    session.execute(text("UPDATE firms SET name = '重写的名字', tags = '[\"fashion\"]' WHERE name = '直写'"))
    assert_indexes_follow(session)
    session.execute(delete(Firm).where(Firm.name.in_(["杭州直写鑫达有限公司", "直"])))
    assert_indexes_follow(session)
    assert found_ids(session, users, "直") == set() and len(found_ids(session, users, "重写")) == 1


def _migration(name: str):
    path = next(Path(__file__).parents[2].joinpath("migrations", "versions").glob(f"{name}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_builds_the_indexes_for_stored_firms_and_downgrade_removes_them(session, users, now, register):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    migration = _migration("0008")
    context = MigrationContext.configure(session.connection())
    with Operations.context(context):
        migration.downgrade()
        tables = {"firm_name_grams", "firm_tags", "firms_name_fts", "firms_name_pairs"}
        assert not tables & set(session.connection().dialect.get_table_names(session.connection()))
        session.execute(text("UPDATE firms SET name = name || '（迁移前）' WHERE id = :id"), {"id": register[1].id})
        migration.upgrade()
    session.expire_all()
    assert_indexes_follow(session)
    assert found_ids(session, users, "迁移前") == {register[1].id}
