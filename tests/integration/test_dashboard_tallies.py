"""The firm tallies follow every way firms are written (the ORM, the import's set-wise SQL, a hand-written
statement, deletion), and each faster count of the dashboard equals counting the records behind it."""

from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import delete, func, select, text, update

from models import AuditEvent, Firm, FirmMonthTally, FirmStageTally, UpgradeCase
from models.enums import FirmStatus, SizeClass, Stage
from tests.factories import SHANGCHENG, XIHU, make_firm
from tests.import_files import FIRM_HEADER, code, counts, firm_row, run_import, write_csv
from workflows.plans.figures import grouped
from workflows.plans.registry import COMPUTED, NOT_SMALL
from workflows.plans.tallies import compact_tallies, month_span, stage_counts
from workflows.plans.window import Scope, Window

BINJIANG = "330108"


def tallied(session) -> tuple[Counter, Counter]:
    """The tallies as one count per key (their rows summed), zeros left out."""
    s, m = FirmStageTally, FirmMonthTally
    stage = Counter({tuple(k): int(n) for *k, n in session.execute(
        select(s.district_code, s.stage, s.status, func.sum(s.n)).group_by(s.district_code, s.stage, s.status))
        if n})
    month = Counter({(d, mo, bool(a), bool(b), bool(c)): int(n) for d, mo, a, b, c, n in session.execute(
        select(m.district_code, m.month, m.small, m.individual, m.tagged, func.sum(m.n))
        .group_by(m.district_code, m.month, m.small, m.individual, m.tagged)) if n})
    return stage, month


def counted(session) -> tuple[Counter, Counter]:
    """The same keys counted in Python from the firms themselves."""
    session.expire_all()
    firms = session.scalars(select(Firm)).all()
    stage = Counter((f.district_code, f.stage, f.status) for f in firms)
    month = Counter((f.district_code, f.registered_on.strftime("%Y-%m") if f.registered_on else "",
                     f.size_class not in NOT_SMALL, f.legal_form == "个体工商户", bool(f.tags)) for f in firms)
    return stage, month


def assert_in_step(session):
    session.flush()
    assert tallied(session) == counted(session)


def test_the_tallies_follow_the_orm_a_statement_and_deletion(session):
    assert_in_step(session)  # the migrations' fill
    a = make_firm(session, district=XIHU, registered_on=date(2022, 3, 9), size_class=SizeClass.MICRO)
    b = make_firm(session, Stage.INDIVIDUAL, district=SHANGCHENG, registered_on=None, tags=["health"])
    c = make_firm(session, Stage.JOINT_STOCK, district=BINJIANG, registered_on=date(2019, 12, 31))
    assert_in_step(session)
    a.size_class, a.tags, a.registered_on = SizeClass.MEDIUM, ["information"], date(2023, 1, 1)  # each key moves
    b.status, b.district_code = FirmStatus.DEREGISTERED, XIHU
    c.stage, c.legal_form = Stage.LISTED, "个体工商户"
    assert_in_step(session)
    a.name = "改名不动计数"  # a change no key reads
    assert_in_step(session)
    session.execute(update(Firm).where(Firm.id.in_([a.id, c.id])).values(status=FirmStatus.REVOKED,
                                                                          registered_on=date(2021, 7, 1)))
    assert_in_step(session)
    session.execute(text("INSERT INTO firms (uscc, name, legal_form, stage, district_code, industry, tags, "
                         "registered_on, status, abnormal, serious_violation, tech_sme, high_tech, size_class, "
                         "created_at, updated_at) SELECT :uscc, '手写语句企业', legal_form, stage, district_code, industry, "
                         "tags, registered_on, status, abnormal, serious_violation, tech_sme, high_tech, size_class, "
                         "created_at, updated_at FROM firms WHERE id = :id"), {"uscc": code(), "id": a.id})
    assert_in_step(session)
    session.delete(b)
    session.execute(delete(Firm).where(Firm.id == c.id))
    assert_in_step(session)


def test_the_tallies_follow_an_import(session, users, now, tmp_path):
    rows = [firm_row(code(), f"杭州计数{i}有限公司", born=f"202{i}-0{i + 1}-15") for i in range(4)]
    rows.append(firm_row(code("330105", "92"), "杭州计数个体户", form="个体工商户", district="拱墅区"))
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, rows)
    assert counts(run_import(session, users["city"], path, now=now))[2] == 5
    assert_in_step(session)
    rows[0][3] = "上城区"  # moved
    rows[1][6] = "注销"
    write_csv(path, FIRM_HEADER, rows)
    run_import(session, users["city"], path, now=now)
    assert_in_step(session)


def test_folding_keeps_every_sum(session):
    for day in (date(2022, 1, 5), date(2022, 1, 20), date(2024, 6, 1)):
        make_firm(session, registered_on=day)
    gone = make_firm(session, district=BINJIANG, registered_on=date(2025, 2, 2))
    session.delete(gone)  # its keys net to zero
    session.flush()
    before = tallied(session)
    compact_tallies(session)
    assert tallied(session) == before == counted(session)
    s = FirmStageTally
    keys = session.execute(select(s.district_code, s.stage, s.status, func.count()).group_by(
        s.district_code, s.stage, s.status)).all()
    assert all(n == 1 for *_, n in keys)  # one row per key
    assert not session.scalar(select(func.count()).select_from(s).where(s.n == 0))
    assert stage_counts(session)[(XIHU, Stage.ENTERPRISE)] == counted(session)[0][(XIHU, "enterprise", "active")]


def test_a_span_of_days_is_its_whole_months_and_the_days_either_side():
    assert month_span(date(2021, 1, 1), date(2023, 12, 31)) == (("2021-01", "2023-12"), [])
    assert month_span(date(2021, 1, 1), date(2026, 11, 29)) == \
        (("2021-01", "2026-10"), [(date(2026, 11, 1), date(2026, 11, 29))])
    assert month_span(date(2021, 1, 15), date(2021, 3, 31)) == \
        (("2021-02", "2021-03"), [(date(2021, 1, 15), date(2021, 1, 31))])
    assert month_span(date(2021, 2, 3), date(2021, 2, 20)) == (None, [(date(2021, 2, 3), date(2021, 2, 20))])
    assert month_span(date(2020, 12, 31), date(2021, 2, 28)) == \
        (("2021-01", "2021-02"), [(date(2020, 12, 31), date(2020, 12, 31))])


# ------------------------------------------------------------------- faster counts equal their members


@pytest.fixture
def register(session):
    """Firms on every side of the kept aggregates' keys and days, in three districts."""
    days = (date(2020, 12, 31), date(2021, 1, 1), date(2021, 1, 31), date(2022, 6, 15), date(2023, 12, 31),
            date(2024, 1, 1), date(2026, 11, 29), None)
    for i, day in enumerate(days):
        for district in (XIHU, SHANGCHENG, BINJIANG):
            make_firm(session, district=district, registered_on=day, size_class=tuple(SizeClass)[i % 5],
                      tags=["information"] if i % 2 else [])
        make_firm(session, Stage.INDIVIDUAL, registered_on=day)
        make_firm(session, Stage.JOINT_STOCK if i % 2 else Stage.LISTED, district=SHANGCHENG, registered_on=day,
                  status=FirmStatus.ACTIVE if i % 3 else FirmStatus.DEREGISTERED)
    # The upper rungs' exceptions: deregistered in 2025 (active at the plan's end), restored in 2024 (then not),
    # a 股份有限公司 only since its 规改股 completed in 2024.
    gone = make_firm(session, Stage.JOINT_STOCK, registered_on=date(2015, 1, 1), status=FirmStatus.DEREGISTERED)
    back = make_firm(session, Stage.LISTED, district=BINJIANG, registered_on=date(2015, 1, 1))
    for firm, change, day, old, new in ((gone, "deregister", "2025-03-01", "active", "deregistered"),
                                        (back, "revoke", "2020-05-01", "active", "revoked"),
                                        (back, "restore", "2024-04-01", "revoked", "active")):
        session.add(AuditEvent(subject_type="firm", subject_id=firm.id, firm_id=firm.id, action="status_change",
                               actor_name="system", at=datetime.fromisoformat(day),
                               evidence={"change": change, "effective_on": day, "changes": {"status": [old, new]}}))
    late = make_firm(session, Stage.JOINT_STOCK, district=XIHU, registered_on=date(2012, 1, 1))
    session.add(UpgradeCase(firm_id=late.id, kind="scale_to_stock", state="completed", is_open=False,
                            opened_at=datetime(2023, 5, 1), state_entered_at=datetime(2024, 4, 1),
                            closed_at=datetime(2024, 4, 1)))
    session.flush()


@pytest.mark.parametrize("as_of", [date(2021, 1, 20), date(2021, 12, 31), date(2023, 12, 31), date(2024, 2, 10),
                                   date(2026, 11, 30)])
@pytest.mark.parametrize("district", [None, XIHU, SHANGCHENG])
def test_each_faster_count_equals_counting_its_members(session, register, as_of, district):
    for key, definition in COMPUTED.items():
        if definition.counts is None:
            continue
        window = Window(date(2021, 1, 1), as_of, Scope(district))
        assert definition.counts(window) is not None, key
        members = definition.members(window).subquery()
        want = dict(session.execute(select(members.c.district_code, func.count()).group_by(members.c.district_code)).all())
        got = {d: n for d, n, *_ in session.execute(grouped(key, window)) if n}
        assert got == want, (key, as_of, district)


def test_a_filter_the_tallies_do_not_key_on_counts_the_members(session, register):
    for key in ("new_small_firms", "new_small_firms_tagged", "joint_stock_held"):
        window = Window(date(2021, 1, 1), date(2026, 11, 30), Scope(industry="C", tag="information"))
        assert COMPUTED[key].counts(window) is None


def test_stage_counts_are_the_active_firms(session, register):
    direct = Counter((f.district_code, f.stage) for f in session.scalars(select(Firm)) if f.status == FirmStatus.ACTIVE)
    assert stage_counts(session) == dict(direct)


def test_the_demo_seed_leaves_the_tallies_in_step(session, users):
    from workflows.demo.seed import seed_demo

    seed_demo(session, n_firms=300, seed=5, now=datetime(2026, 11, 30, 2))
    assert_in_step(session)
