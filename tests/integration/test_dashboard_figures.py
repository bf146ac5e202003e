"""Every scorecard and funnel number against an independent count over fixture data, per district, at the
plan's end and today; the drill-down lists' lengths equal their numbers; the backfill's past months."""

from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import select

from models import AuditEvent, Firm, Plan, PoolMembership, UpgradeCase
from models.enums import FirmStatus, PoolLevel, SizeClass, Stage
from tests.factories import SHANGCHENG, XIHU, make_firm, pool_of
from workflows.exporting import count_rows
from workflows.plans.drill import clean_drill, export_name
from workflows.plans.figures import CITY
from workflows.plans.funnel import build_funnel
from workflows.plans.scorecard import build_scorecard
from workflows.plans.trends import backfill, series
from workflows.plans.window import Scope, day_end

TODAY = date(2026, 11, 30)
START, END = date(2021, 1, 1), date(2023, 12, 31)
BINJIANG = "330108"
SYSTEM = type("System", (), {"role": "city_staff", "district_code": None, "id": None})()


def at(day: date) -> datetime:
    """Noon in Hangzhou on `day`, as stored (UTC)."""
    return day_end(day) - (day_end(day) - day_end(date.fromordinal(day.toordinal() - 1))) / 2


@pytest.fixture
def story(session):
    """Firms, memberships, cases and audit history spread over 2019—2026 in three districts."""
    firms = []

    def firm(stage=Stage.ENTERPRISE, district=XIHU, registered=date(2022, 5, 1), **kw):
        f = make_firm(session, stage, district=district, registered_on=registered, revenue=None, **kw)
        firms.append(f)
        return f

    for district, n in ((XIHU, 3), (SHANGCHENG, 2), (BINJIANG, 1)):
        for i in range(n):
            firm(district=district, registered=date(2021 + i, 3, 1), size_class=SizeClass.MICRO)
            firm(district=district, registered=date(2022, 6, 1), size_class=SizeClass.SMALL, tags=["information"])
    firm(registered=date(2020, 12, 31))  # before the plan
    firm(registered=date(2024, 2, 1), tags=["health"])  # after it: today only
    firm(registered=date(2022, 1, 1), size_class=SizeClass.MEDIUM)  # not small
    firm(Stage.INDIVIDUAL, registered=date(2022, 1, 1))  # an individual business
    firm(registered=date(2022, 2, 2), status=FirmStatus.DEREGISTERED)  # still a new firm of the period
    firm(district=SHANGCHENG, registered=date(2023, 12, 31), industry="C39", tech_sme=True, tech_sme_on=date(2023, 6, 1))
    firm(district=SHANGCHENG, registered=date(2019, 1, 1), high_tech=True, high_tech_on=date(2024, 1, 5))
    # 股份有限公司: one held throughout, one deregistered in 2025, one that became one in 2024.
    firm(Stage.JOINT_STOCK, registered=date(2015, 1, 1))
    gone = firm(Stage.JOINT_STOCK, district=SHANGCHENG, registered=date(2016, 1, 1), status=FirmStatus.DEREGISTERED)
    session.add(AuditEvent(subject_type="firm", subject_id=gone.id, firm_id=gone.id, action="status_change",
                           actor_name="system", at=at(date(2025, 3, 2)),
                           evidence={"change": "deregister", "effective_on": "2025-03-01",
                                     "changes": {"status": ["active", "deregistered"]}}))
    late = firm(Stage.JOINT_STOCK, district=BINJIANG, registered=date(2010, 1, 1))
    _case(session, late, "scale_to_stock", "completed", date(2023, 5, 1), date(2024, 4, 1))
    # Cases: 小升规 completed in and after the plan (industrial or not), a listing reserve with key history.
    for district, closed, industry in ((XIHU, date(2022, 3, 1), "C39"), (XIHU, date(2023, 12, 31), "D44"),
                                       (SHANGCHENG, date(2022, 8, 8), "F52"), (XIHU, date(2024, 1, 1), "C33")):
        _case(session, firm(Stage.ABOVE_SCALE, district=district, industry=industry), "small_to_scale", "completed",
              date(2021, 6, 1), closed)
    reserve = firm(Stage.JOINT_STOCK, registered=date(2012, 1, 1))
    case = _case(session, reserve, "stock_to_listed", "tutoring", date(2022, 1, 1), None)
    _key(session, case, "designate_key", date(2022, 2, 1))
    _key(session, case, "revoke_key", date(2025, 1, 1))
    other = _case(session, firm(Stage.JOINT_STOCK, district=SHANGCHENG, registered=date(2012, 1, 1)), "stock_to_listed",
                  "completed", date(2021, 3, 1), date(2024, 6, 1))
    _key(session, other, "designate_key", date(2021, 4, 1))
    # Pools: admitted and ended at various times.
    members = [_member(session, firms[0], PoolLevel.COUNTY, date(2021, 5, 1), None),
               _member(session, firms[1], PoolLevel.COUNTY, date(2022, 5, 1), date(2025, 1, 1), "removed"),
               _member(session, firms[2], PoolLevel.COUNTY, date(2024, 5, 1), None),
               _member(session, firms[6], PoolLevel.COUNTY, date(2023, 12, 31), None),
               _member(session, firms[0], PoolLevel.CITY, date(2022, 1, 1), None),
               _member(session, firms[6], PoolLevel.CITY, date(2021, 1, 1), date(2023, 12, 31), "graduated")]
    session.flush()
    return firms, members


def _case(session, firm, kind, state, opened, closed):
    case = UpgradeCase(firm_id=firm.id, kind=kind, state=state, is_open=closed is None, opened_at=at(opened),
                       state_entered_at=at(closed or opened), closed_at=at(closed) if closed else None)
    session.add(case)
    session.flush()
    return case


def _key(session, case, action, day):
    session.add(AuditEvent(subject_type="case", subject_id=case.id, firm_id=case.firm_id, action=action,
                           from_state=case.state, to_state=case.state, actor_name="city", at=at(day)))


def _member(session, firm, level, admitted, ended, state="admitted"):
    pool = pool_of(session, level, firm.district_code if level == PoolLevel.COUNTY else None)
    m = PoolMembership(pool_id=pool.id, firm_id=firm.id, level=level, state=state, is_active=ended is None,
                       cultivation_type="growth", batch="2021-1", nominated_at=at(admitted), decided_at=at(admitted),
                       ended_at=at(ended) if ended else None, end_reason="violation" if state == "removed" else
                       ("scaled_up" if state == "graduated" else None))
    session.add(m)
    return m


# --------------------------------------------------------------------- the independent counts

def expected(firms, members, session, day: date) -> dict[str, Counter]:
    """Each computed metric per district on `day`, counted in Python from the fixture, not by the queries."""
    out = {k: Counter() for k in ("new_small_firms", "new_small_firms_tagged", "city_pool_members",
                                  "county_pool_members", "scaled_up_industrial", "joint_stock_held",
                                  "listing_reserve", "key_listing", "new_tech_sme", "new_high_tech")}
    end = day_end(day)
    for f in firms:
        if START <= f.registered_on <= day and f.legal_form != "个体工商户" and f.size_class in ("small", "micro", "unknown"):
            out["new_small_firms"][f.district_code] += 1
            if f.tags:
                out["new_small_firms_tagged"][f.district_code] += 1
        if f.tech_sme and f.tech_sme_on and START <= f.tech_sme_on <= day:
            out["new_tech_sme"][f.district_code] += 1
        if f.high_tech and f.high_tech_on and START <= f.high_tech_on <= day:
            out["new_high_tech"][f.district_code] += 1
    for m in members:
        if m.decided_at < end and (m.ended_at is None or m.ended_at >= end):
            out[f"{m.level}_pool_members"][m.firm.district_code] += 1
    cases = list(session.scalars(select(UpgradeCase)))
    for c in cases:
        district = session.get(Firm, c.firm_id).district_code
        if c.kind == "small_to_scale" and c.state == "completed" and day_end(date(2020, 12, 31)) <= c.closed_at < end \
                and session.get(Firm, c.firm_id).industry[0] in "BCD":
            out["scaled_up_industrial"][district] += 1
        if c.kind == "stock_to_listed" and c.opened_at < end and (c.closed_at is None or c.closed_at >= end):
            out["listing_reserve"][district] += 1
            keys = [e for e in session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "case",
                                                                         AuditEvent.subject_id == c.id))
                    if e.action in ("designate_key", "revoke_key") and e.at < end]
            if keys and max(keys, key=lambda e: e.at).action == "designate_key":
                out["key_listing"][district] += 1
    held = {  # by hand: who was a 股份有限公司 in business on the day
        date(2023, 12, 31): {XIHU: 2, SHANGCHENG: 2},  # the deregistered one still active; 滨江's came in 2024
        TODAY: {XIHU: 2, SHANGCHENG: 1, BINJIANG: 1},
    }[day]
    out["joint_stock_held"].update(held)
    return out


@pytest.mark.parametrize("day", [END, TODAY], ids=["plan_end", "today"])
def test_every_scorecard_number_equals_an_independent_count(session, story, day):
    firms, members = story
    plan = session.scalar(select(Plan))
    card = build_scorecard(session, plan, TODAY)
    assert card.ended and card.as_of == END
    want = expected(firms, members, session, day)
    rows = {r.metric.key: r for r in card.rows}
    for key, counts in want.items():
        row = rows[key]
        figure = (lambda f: f.value.value) if day == END else (lambda f: f.today.value)
        assert figure(row.city) == sum(counts.values()), key
        for district, figures in row.districts.items():
            assert figure(figures) == counts.get(district, 0), (key, district)


def test_every_drill_down_list_has_its_numbers_length(session, story):
    plan = session.scalar(select(Plan))
    card = build_scorecard(session, plan, TODAY)
    for row in card.rows:
        if row.metric.kind != "computed" or row.rate:
            continue
        for district in (None, XIHU, SHANGCHENG):
            for day, value in ((END, "value"), (TODAY, "today")):
                fig = row.districts[district] if district else row.city
                params = clean_drill({"drill": "metric", "key": row.metric.key, "start": "2021-01-01",
                                      "as_of": day.isoformat(), "district": district})
                assert count_rows(session, export_name(params), SYSTEM, params) == getattr(fig, value).value, \
                    (row.metric.key, district, day)


def test_status_reached_missed_and_the_per_year_rule(session, story):
    plan = session.scalar(select(Plan))
    rows = {r.metric.key: r for r in build_scorecard(session, plan, TODAY).rows}
    assert rows["new_small_firms"].city.status == "missed"
    assert rows["joint_stock_held"].years[-1][0] == 2023
    assert rows["parks"].city.status == "no_data" and rows["inclusive_loan_rate"].city.status == "no_target"


def test_the_funnel_against_independent_counts(session, story):
    firms, _ = story
    funnel = build_funnel(session, Scope(), date(2022, 1, 1), date(2023, 12, 31), datetime(2026, 11, 30, 2))
    active = Counter((f.district_code, f.stage) for f in firms if f.status == FirmStatus.ACTIVE)
    for (district, stage), n in active.items():
        assert funnel.rungs[district][stage] == n
    assert sum(funnel.rungs[CITY].values()) == sum(active.values())
    assert funnel.completed[XIHU]["small_to_scale"] == 2  # 2022-03-01 and 2023-12-31; 2024 is outside
    assert funnel.completed[SHANGCHENG]["small_to_scale"] == 1
    assert funnel.completed[CITY].get("stock_to_listed", 0) == 0
    assert funnel.open_cases[XIHU][("stock_to_listed", "tutoring")] == 1
    closed = clean_drill({"drill": "closed", "key": "small_to_scale", "state": "completed", "from": "2022-01-01",
                          "to": "2023-12-31", "district": XIHU})
    assert count_rows(session, export_name(closed), SYSTEM, closed) == 2
    rung = clean_drill({"drill": "rung", "key": "enterprise", "district": SHANGCHENG})
    assert count_rows(session, export_name(rung), SYSTEM, rung) == funnel.rungs[SHANGCHENG]["enterprise"]


def test_backfill_computes_past_months_from_history(session, story):
    days = backfill(session, since=date(2021, 1, 1), today=TODAY)
    assert days[0] == date(2021, 1, 1) and days[-1] == date(2026, 11, 1)
    county = dict((d, v) for d, v, _ in series(session, "pool.county", XIHU))
    assert county[date(2021, 6, 1)] == 1 and county[date(2024, 1, 1)] == 2  # the 2023-12-31 admission counted
    assert county[date(2025, 2, 1)] == 2  # one removed 2025-01-01, one admitted 2024-05-01
    assert dict((d, v) for d, v, _ in series(session, "plan.new_small_firms"))[date(2024, 1, 1)] == \
        expected(*story, session, END)["new_small_firms"].total()
    assert backfill(session, since=date(2021, 1, 1), today=TODAY) == []  # once


@pytest.mark.parametrize("district", [None, XIHU, SHANGCHENG])
def test_the_pools_panel_against_independent_counts(session, story, district):
    """Decisions per month and endings by reason, in a district: its county pool, and the city pool's members
    among its firms."""
    from datetime import timedelta

    from workflows.plans.pools_panel import build_pools_panel

    _, members = story
    panel = build_pools_panel(session, Scope(district), date(2021, 1, 1), TODAY)

    def counted(m) -> bool:
        area = m.pool.district_code if m.level == PoolLevel.COUNTY else m.firm.district_code
        return district is None or area == district

    decided = Counter((m.decided_at + timedelta(hours=8)).strftime("%Y-%m") for m in members if counted(m))
    assert {d["month"]: d["admitted"] + d["rejected"] for d in panel.decided} == dict(decided)
    ended = Counter((m.level, m.state, m.end_reason) for m in members if counted(m) and m.ended_at)
    assert {(e["level"], e["state"], e["reason"]): e["count"] for e in panel.endings} == dict(ended)
    assert sum(decided.values()) == {None: 6, XIHU: 4, SHANGCHENG: 2}[district]
