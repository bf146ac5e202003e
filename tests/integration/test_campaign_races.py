"""A 成长之星 quota is a hard limit under any concurrency: many clients nominate into one district at the same
instant, on SQLite (threads on one database file) and on PostgreSQL (separate connections), each client with
its own Session on its own connection (an engine without a pool, so all race rather than queue for one)."""

import threading

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from models import AuditEvent, Campaign, CampaignEntry, CampaignQuota, Firm, User
from pool.db_events import install_sqlite_pragmas
from tests.factories import XIHU, execute_screening, figures, make_actors, star_campaign, star_member
from workflows.campaigns.entries import nominate
from workflows.campaigns.workflow import act, edit_campaign
from workflows.errors import Duplicate, IllegalTransition, QuotaFull

CLIENTS, QUOTA = 24, 5
pytestmark = pytest.mark.committed_db


@pytest.fixture
def race_engine(ctx):
    from models import db

    engine = create_engine(db.engine.url, poolclass=NullPool)
    install_sqlite_pragmas(engine)
    yield engine
    engine.dispose()


def race(app, engine, jobs):
    """Each job in its own thread, app context and connection, released together by a barrier; returns "ok"
    or the exception per job (a job loads what it needs first, as a request would, then returns its call)."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def client(i, job):
        with app.app_context(), Session(engine) as session:
            try:
                go = job(session)
            except BaseException as exc:
                barrier.abort()
                results[i] = exc
                return
            try:
                barrier.wait(timeout=60)
                go()
                session.commit()
                results[i] = "ok"
            except Exception as exc:
                session.rollback()
                results[i] = exc

    threads = [threading.Thread(target=client, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a client hung"
    return results


def names(results):
    return sorted("ok" if r == "ok" else type(r).__name__ for r in results)


@pytest.fixture
def setup(session, now):
    """A nominating campaign with 西湖区's quota at 5 and 24 西湖区 candidates (all flagged: factor 10)."""
    actors = make_actors(session)
    firms = [star_member(session, actors, now2024=figures(100 + i), now2025=figures(150 + 3 * i)) for i in range(CLIENTS)]
    campaign = star_campaign(session, actors["city"], now=now, state="screening", factor=10,
                             nomination_deadline="2026-12-31", review_deadline="2027-01-31")
    edit_campaign(session, campaign, {"quotas": {XIHU: QUOTA}}, actor=actors["city"], now=now)
    execute_screening(session, campaign, now)
    act(session, campaign, "open_nomination", actor=actors["city"], now=now, expected_version=campaign.version)
    session.commit()
    return {"campaign": campaign.id, "firms": [f.id for f in firms], "officer": actors["xihu"].id,
            "city": actors["city"].id}


def nominate_job(campaign_id, firm_id, actor_id, now):
    def job(session):
        campaign, firm, actor = session.get(Campaign, campaign_id), session.get(Firm, firm_id), session.get(User, actor_id)
        return lambda: nominate(session, campaign, firm, reason=None, actor=actor, now=now)
    return job


def entries(session, campaign_id):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(CampaignEntry)
                          .where(CampaignEntry.campaign_id == campaign_id, CampaignEntry.state == "nominated"))


def test_24_officers_nominating_into_a_quota_of_5(ctx, session, setup, now, race_engine):
    jobs = [nominate_job(setup["campaign"], firm_id, setup["officer"], now) for firm_id in setup["firms"]]
    results = race(ctx, race_engine, jobs)
    assert names(results) == ["QuotaFull"] * (CLIENTS - QUOTA) + ["ok"] * QUOTA
    assert all(isinstance(r, QuotaFull) for r in results if r != "ok")
    assert entries(session, setup["campaign"]) == QUOTA
    nominated = session.scalar(select(func.count()).select_from(AuditEvent).filter_by(
        subject_type="campaign_entry", action="nominate"))
    assert nominated == QUOTA  # the losers wrote nothing
    seq = session.scalar(select(CampaignQuota.seq).where(CampaignQuota.campaign_id == setup["campaign"],
                                                         CampaignQuota.district_code == XIHU))
    assert seq == 2 + QUOTA  # the edit's and the opening's locks, then only the winners' committed


def test_one_firm_nominated_by_eight_clients_at_once_is_one_entry(ctx, session, setup, now, race_engine):
    jobs = [nominate_job(setup["campaign"], setup["firms"][0], who, now)
            for who in [setup["officer"], setup["city"]] * 4]
    results = race(ctx, race_engine, jobs)
    assert names(results) == ["Duplicate"] * 7 + ["ok"]
    assert all(isinstance(r, Duplicate) for r in results if r != "ok")
    assert entries(session, setup["campaign"]) == 1


def test_nominations_racing_the_close_of_nomination(ctx, session, setup, now, race_engine):
    """Whatever commits first, no nomination lands after the close and none exceeds the quota."""
    def close(session):
        campaign, city = session.get(Campaign, setup["campaign"]), session.get(User, setup["city"])
        return lambda: act(session, campaign, "close_nomination", actor=city, now=now,
                           expected_version=campaign.version)

    jobs = [nominate_job(setup["campaign"], firm_id, setup["officer"], now) for firm_id in setup["firms"][:11]]
    jobs.insert(5, close)
    results = race(ctx, race_engine, jobs)
    assert results.pop(5) == "ok"
    assert set(names(results)) <= {"ok", "QuotaFull", "IllegalTransition"}
    assert all(isinstance(r, QuotaFull | IllegalTransition) for r in results if r != "ok")
    session.expire_all()
    made = entries(session, setup["campaign"])
    assert made == results.count("ok") <= QUOTA
    close_event = session.scalar(select(AuditEvent.id).filter_by(subject_type="campaign", action="close_nomination"))
    last_nomination = session.scalar(select(func.max(AuditEvent.id)).filter_by(subject_type="campaign_entry",
                                                                              action="nominate"))
    assert last_nomination is None or last_nomination < close_event
