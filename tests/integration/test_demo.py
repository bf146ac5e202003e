"""The demo seed: deterministic, realistic for Hangzhou, and consistent with the engine's own rules.

One seeded register per backend (module scope: the seed hashes 16 passwords) serves the read-only
checks; the tests that add to it come last in the file.
"""

from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import AnnualIndicator, AuditEvent, District, Firm, UpgradeCase, User, db
from models.enums import ROLE_LABELS, STAGE_LABELS, Role
from tests.database import reset_database
from tests.factories import NOW
from workflows.case_flows import CASE_WORKFLOWS
from workflows.demo.bulk import in_child
from workflows.demo.data import DEMO_PASSWORD, DISTRICTS
from workflows.demo.firms import generate_firms
from workflows.demo.seed import DEMO_USERS, demo_logins, seed_demo
from workflows.ladder import CASE_LABELS
from workflows.policy import default_policy
from workflows.rules.fields import clean_tags
from workflows.rules.scale import ScaleBasis, scale_rule
from workflows.rules.size_class import size_class_for
from workflows.rules.uscc import validate_uscc

N, SEED = 600, 7
FORMS = {
    "individual": {"个体工商户"},
    "enterprise": {"有限责任公司", "个人独资企业", "合伙企业", "农民专业合作社"},
    "above_scale": {"有限责任公司", "个人独资企业", "合伙企业", "农民专业合作社"},
    "joint_stock": {"股份有限公司"},
    "listed": {"股份有限公司"},
}


@pytest.fixture(scope="module")
def seeded(app):
    with app.app_context():
        summary = seed_demo(db.session, n_firms=N, seed=SEED, now=NOW)
        db.session.commit()
        yield summary
        reset_database(app)  # leave the database as the ctx fixture would (the seed also set pool targets)


@pytest.fixture
def session(seeded):
    return db.session


def originals(session):
    """The generated firms (successors of 注销+设立 个转企 cases are the engine's, not the generator's)."""
    return session.scalars(select(Firm).where(Firm.predecessor_id.is_(None))).all()


# ------------------------------------------------------------------------------------ determinism


def test_the_same_seed_generates_the_same_firms_and_figures():
    first = [(r.row, r.indicators) for r in generate_firms(SEED, N)]
    again = [(r.row, r.indicators) for r in generate_firms(SEED, N)]
    other = {r.row["uscc"] for r in generate_firms(SEED + 1, N)}
    assert first == again
    assert len({row["uscc"] for row, _ in first} & other) < N // 10


def test_generating_in_a_child_process_yields_the_same_records():
    inline = [r.row for r in generate_firms(SEED, 300)]
    assert list(in_child(lambda: (r.row for r in generate_firms(SEED, 300)))) == inline


def test_a_failure_in_the_child_process_is_raised_here():
    def broken():
        yield 1
        raise ValueError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        list(in_child(broken))


def test_the_register_holds_exactly_the_generated_firms_and_figures(session):
    expected = {r.row["uscc"]: r for r in generate_firms(SEED, N, today=NOW.date())}
    firms = originals(session)
    assert {f.uscc for f in firms} == set(expected)
    assert all(f.name == expected[f.uscc].row["name"] for f in firms)
    stored = {(uscc, year): revenue for uscc, year, revenue in session.execute(
        select(Firm.uscc, AnnualIndicator.year, AnnualIndicator.revenue).join(AnnualIndicator.firm))}
    assert stored == {(uscc, f["year"]): f["revenue"] for uscc, r in expected.items() for f in r.indicators}


# ------------------------------------------------------------------------------------- realism


def test_every_district_has_firms_weighted_by_size(session):
    counts = Counter(session.scalars(select(Firm.district_code)))
    assert set(counts) == set(session.scalars(select(District.code))) == {code for code, *_ in DISTRICTS}
    assert counts["330109"] > counts["330106"] > counts["330122"] > counts["330127"]  # 萧山 > 西湖 > 桐庐 > 淳安


def test_the_stage_mix_is_many_small_few_listed_with_matching_legal_forms(session):
    firms = originals(session)
    stages = Counter(f.stage for f in firms)
    assert 0.35 < stages["individual"] / N < 0.55 and 0.38 < stages["enterprise"] / N < 0.58
    assert stages["enterprise"] > stages["above_scale"] > stages["joint_stock"] > stages["listed"] >= 1
    assert all(f.legal_form in FORMS[f.stage] for f in session.scalars(select(Firm)))


def test_every_code_is_a_valid_unique_uscc_of_the_right_kind(session):
    firms = session.scalars(select(Firm)).all()
    assert len({f.uscc for f in firms}) == len(firms)
    allowed_areas = {code for code, *_ in DISTRICTS} | {"330100", "330103", "330104"}
    for firm in firms:
        assert validate_uscc(firm.uscc) == firm.uscc
        assert firm.uscc[2:8] in allowed_areas
        if firm.legal_form == "个体工商户":
            assert firm.uscc.startswith("92")
    # Older codes keep the authority of their time: some carry 330100 or a code retired in 2021.
    assert any(f.uscc[2:8] in {"330100", "330103", "330104"} for f in firms)


def test_industries_tags_statuses_and_labels_are_plausible(session):
    firms = originals(session)
    policy = default_policy()
    assert all(policy.normalise_industry(f.industry) == f.industry for f in firms)
    assert 0.15 < sum(bool(f.tags) for f in firms) / N < 0.45
    assert 0.8 < sum(f.status == "active" for f in firms) / N < 0.97
    assert {f.status for f in firms} == {"active", "deregistered", "revoked", "moved_out"}
    assert any(f.abnormal for f in firms) and any(f.tech_sme for f in firms) and any(f.high_tech for f in firms)
    assert min(f.registered_on.year for f in firms) < 2005 and max(f.registered_on for f in firms) <= NOW.date()


def test_every_firms_tags_are_stored_in_the_canonical_order(session):
    """Out-of-order tags made a re-import of the app's own export "update" them, with an audit event each."""
    firms = session.scalars(select(Firm)).all()
    assert sum(len(f.tags) > 1 for f in firms) > 0  # the seed has firms with several tags to order
    assert [f.tags for f in firms] == [clean_tags(list(f.tags)) for f in firms]


def test_figures_put_scale_firms_over_their_line_and_some_small_ones_near_it(session):
    near = below = 0
    for firm in session.scalars(select(Firm).options(selectinload(Firm.indicators))):
        sector = scale_rule(default_policy(), firm.industry)
        latest = firm.latest_indicator
        if sector.basis != ScaleBasis.REVENUE or latest is None:
            continue
        assert {i.year for i in firm.indicators} <= {2023, 2024, 2025}
        if firm.stage in ("above_scale", "joint_stock", "listed"):
            assert latest.revenue >= sector.threshold, firm.uscc
        elif firm.stage == "enterprise":
            near += sector.threshold * 8 / 10 <= latest.revenue < sector.threshold
            below += latest.revenue < sector.threshold * 8 / 10
    assert 0 < near < below


def test_size_class_is_the_rule_applied_to_the_latest_figures(session):
    for firm in session.scalars(select(Firm).options(selectinload(Firm.indicators))
                                .where(Firm.predecessor_id.is_(None))):
        assert firm.size_class == size_class_for(default_policy(), firm.industry, firm.latest_indicator)


# --------------------------------------------------------------------------------------- cases


def test_cases_stand_in_every_state_of_every_workflow(session):
    found = Counter(session.execute(select(UpgradeCase.kind, UpgradeCase.state)).all())
    for kind, workflow in CASE_WORKFLOWS.items():
        assert {state for (k, state) in found if k == kind} == set(workflow.states), kind


def test_each_case_history_leads_step_by_step_to_its_state(session):
    city = session.scalar(select(User).filter_by(username="city"))
    cases = session.scalars(select(UpgradeCase)).all()
    events = {}
    for event in session.scalars(select(AuditEvent).filter_by(subject_type="case")
                                 .order_by(AuditEvent.at, AuditEvent.id)):
        events.setdefault(event.subject_id, []).append(event)
    for case in cases:
        workflow, history = CASE_WORKFLOWS[case.kind], events[case.id]
        assert history[0].action == "open" and history[0].to_state == workflow.initial
        assert history[0].at == case.opened_at >= case.firm.created_at
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_state == before.to_state and after.at > before.at
        assert history[-1].to_state == case.state and history[-1].at < NOW
        moved = [e for e in history if e.from_state != e.to_state]
        assert case.state_entered_at == moved[-1].at
        assert case.version == len(history)  # one version per step after the opening
        assert case.is_open == (not workflow.is_final(case.state)) == (case.closed_at is None)
        for event in history:
            actor = session.get(User, event.actor_id)
            if event.action == "open" or Role.COUNTY_OFFICER in _roles(workflow, event):
                assert actor.role == Role.COUNTY_OFFICER and actor.district_code == case.firm.district_code
            else:
                assert actor == city


def _roles(workflow, event):
    return workflow.edge(event.from_state, event.action)[1].roles


def test_completed_cases_moved_their_firms_up_the_ladder(session):
    done = {"ind_to_ent": {"enterprise"}, "small_to_scale": {"above_scale"}, "scale_to_stock": {"joint_stock"},
            "stock_to_listed": {"listed"}}
    completed = session.scalars(select(UpgradeCase).filter_by(state="completed")).all()
    for case in completed:
        if case.attributes.get("route") == "deregister_setup":
            assert case.firm.status == "deregistered"
            successor = session.scalar(select(Firm).filter_by(predecessor_id=case.firm_id))
            assert successor.stage == "enterprise" and successor.uscc.startswith("91")
        else:
            assert case.firm.stage in done[case.kind], case.id
    assert {c.attributes.get("route") for c in completed if c.kind == "ind_to_ent"} == {
        "direct_change", "deregister_setup"}


# --------------------------------------------------------------------------------- users, output


def test_one_demo_user_per_role_and_per_district_can_log_in(session):
    users = {u.username: u for u in session.scalars(select(User))}
    assert {users[name].role for name in ("admin", "city", "leader")} == {
        Role.ADMIN, Role.CITY_STAFF, Role.LEADER}
    officers = [u for u in users.values() if u.role == Role.COUNTY_OFFICER]
    assert sorted(u.district_code for u in officers) == sorted(code for code, *_ in DISTRICTS)
    for login, *_ in DEMO_USERS:
        assert users[login].check_password(DEMO_PASSWORD), login
    table = demo_logins()
    assert all(login in table for login, *_ in DEMO_USERS)
    assert DEMO_PASSWORD in table and "西湖区" in table and ROLE_LABELS[Role.COUNTY_OFFICER] in table


def test_the_summary_counts_what_was_written(seeded, session):
    assert seeded.firms == session.query(Firm).count() >= N
    assert sum(seeded.by_stage.values()) == seeded.firms == sum(seeded.by_district.values())
    text_ = seeded.describe()
    for label in (*CASE_LABELS.values(), STAGE_LABELS["listed"], "淳安县", "区县工作人员 13"):
        assert label in text_


def test_every_check_is_queued_for_the_scheduler_to_run_first(seeded, session):
    from models import CheckRun
    from workflows.checks.registry import CHECKS

    runs = session.query(CheckRun).filter(CheckRun.status == "queued").order_by(CheckRun.id).all()
    assert [(r.check, r.status, r.today.isoformat()) for r in runs] == \
        [(name, "queued", "2026-11-30") for name in CHECKS]
    # The only runs already done are the demo campaigns' screenings, one per campaign.
    done = session.query(CheckRun).filter(CheckRun.status != "queued").all()
    assert {(r.check, r.status) for r in done} <= {("growth_star_screening", "succeeded")}
    assert "已排队定时检查" in seeded.describe() and "升级候选检查" in seeded.describe()


# ----------------------------------------------------------------------- runs on a filled register


def test_if_empty_leaves_a_filled_register_alone(seeded, session):
    before = (session.query(Firm).count(), session.query(AuditEvent).count())
    again = seed_demo(session, n_firms=N, seed=SEED, now=NOW, if_empty=True)
    assert again.skipped and "未写入" in again.describe()
    assert (session.query(Firm).count(), session.query(AuditEvent).count()) == before


def test_without_if_empty_a_second_seed_adds_firms_and_reuses_the_logins(seeded, session):
    before = session.query(Firm).count()
    users = session.query(User).count()
    summary = seed_demo(session, n_firms=150, seed=SEED, now=NOW)  # the same seed: every code redrawn
    session.commit()
    usccs = session.scalars(select(Firm.uscc)).all()
    assert len(usccs) == len(set(usccs)) == summary.firms >= before + 150
    assert session.query(User).count() == users
