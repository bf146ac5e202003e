"""The demo's 成长之星: last year's campaign published, this year's open for nominations, and everything in
them as the engine would have left it (every audit step an edge of its workflow, versions, quotas, the
candidates' eligibility on the reference day, one honour per award)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from models import AuditEvent, Campaign, CampaignEntry, Flag, Honour, db
from models.enums import FlagKind
from tests.database import reset_database
from tests.factories import NOW
from workflows.campaigns import eligibility
from workflows.campaigns.quotas import counted
from workflows.demo.seed import seed_demo
from workflows.machine import REGISTRY

N, SEED = 4000, 7


@pytest.fixture(scope="module")
def seeded(app):
    with app.app_context():
        summary = seed_demo(db.session, n_firms=N, seed=SEED, now=NOW)
        db.session.commit()
        yield summary
        reset_database(app)


@pytest.fixture
def session(seeded):
    return db.session


def campaigns(session):
    return {c.year: c for c in session.scalars(select(Campaign))}


def test_last_year_published_and_this_year_nominating(session, seeded):
    found = campaigns(session)
    assert {year: c.state for year, c in found.items()} == {2025: "published", 2026: "nominating"}
    assert found[2026].nomination_deadline > date(2026, 11, 30) and found[2026].screened_on.year == 2026
    assert found[2025].published_at < NOW and found[2025].screened_on.year == 2025
    assert any(line.startswith("成长之星 2025年：已发布") for line in seeded.campaigns)


def test_every_step_is_an_edge_of_its_workflow_and_versions_count_them(session):
    for subject_type, model in (("campaign", Campaign), ("campaign_entry", CampaignEntry)):
        graph = REGISTRY[subject_type].graph
        for subject in session.scalars(select(model)).unique():
            events = session.scalars(select(AuditEvent).where(AuditEvent.subject_type == subject_type,
                                                              AuditEvent.subject_id == subject.id)
                                     .order_by(AuditEvent.at, AuditEvent.id)).all()
            first, *steps = events
            assert first.from_state is None and first.to_state == REGISTRY[subject_type].initial
            state = first.to_state
            for event in steps:
                assert event.from_state == state and graph.has_edge(state, event.to_state, key=event.action), event.action
                state = event.to_state
            assert state == subject.state and subject.version == len(events)


def test_nominations_fit_the_quotas_and_were_eligible_on_the_reference_day(session):
    for campaign in campaigns(session).values():
        quotas = {q.district_code: q.quota for q in campaign.quotas}
        assert sum(quotas.values()) == campaign.total and min(quotas.values()) >= 1
        for district, taken in counted(session, campaign.id).items():
            assert taken <= quotas[district]
        ctx = eligibility.Context(campaign.screened_on, campaign.year)
        for entry in session.scalars(select(CampaignEntry).where(CampaignEntry.campaign_id == campaign.id)).unique():
            assert eligibility.reasons(session, entry.firm, ctx) == [], entry.firm.name
            assert entry.flag_id is not None or entry.reason  # a non-candidate carries its written reason


def test_each_award_is_one_dated_honour_and_the_candidates_were_worked(session):
    last = campaigns(session)[2025]
    awarded = session.scalars(select(CampaignEntry).where(CampaignEntry.state == "awarded")).unique().all()
    honours = session.scalars(select(Honour)).all()
    assert awarded and sorted(e.firm_id for e in awarded) == sorted(h.firm_id for h in honours)
    assert {(h.year, h.level, h.published_at) for h in honours} == {(2025, "市级", last.published_at)}
    assert session.scalar(select(func.count()).select_from(CampaignEntry)
                          .where(CampaignEntry.campaign_id == last.id, CampaignEntry.state == "nominated")) == 0
    # Last year's candidates left the inbox when its nominations closed; this year's are open or acted on.
    states = dict(session.execute(select(Flag.period, func.count()).where(
        Flag.kind == FlagKind.GROWTH_STAR, Flag.is_open.is_(True)).group_by(Flag.period)).all())
    assert "2025" not in states and states["2026"] > 0
    acted = session.scalars(select(Flag).where(Flag.kind == FlagKind.GROWTH_STAR, Flag.state == "acted")).unique().all()
    assert acted and all(f.outcome.get("entry") for f in acted)
