"""Capacity is a hard limit under any concurrency (issue 4): many clients admit at the same instant into a pool
with a small capacity, on SQLite (threads on one database file) and on PostgreSQL (separate connections).

Each client is a thread with its own app context and its own Session on its own connection: the sessions are
bound to an engine without a connection pool, because the app's pool (5 + 10 overflow) would make most of
the 32 clients wait for a connection instead of racing. The engine gets the app's SQLite pragmas (WAL,
busy_timeout), so the database sees exactly what gunicorn threads or workers would send it. One smaller race
goes through the app's own `db.session` and pool as well.
"""

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from models import AuditEvent, Pool, PoolMembership, User
from pool.db_events import install_sqlite_pragmas
from tests.factories import XIHU, eligible_firm, make_staff, nominate_to, pool_of
from workflows.errors import Duplicate, PoolFull, ValidationFailed
from workflows.membership import act, nominate
from workflows.pools import all_pools, county_total, update_pools

CLIENTS, CAPACITY = 32, 5
pytestmark = pytest.mark.committed_db  # the clients read the setup over connections of their own


@pytest.fixture
def actors(session):
    return make_staff(session)


@pytest.fixture
def race_engine(ctx):
    from models import db

    engine = create_engine(db.engine.url, poolclass=NullPool)
    install_sqlite_pragmas(engine)
    yield engine
    engine.dispose()


@contextmanager
def app_session():
    """The app's own scoped session of the thread's app context, as a request uses it."""
    from models import db

    try:
        yield db.session
    finally:
        db.session.remove()


def race(app, engine, jobs):
    """Run each job in its own thread, app context and connection, released together by a barrier.

    A job gets its session and returns the call to race (loading what it needs before the start, as a
    request would); the call's commit is the client's. Returns "ok" or the exception, per job.
    `engine=None` uses the app's `db.session` (and its connection pool) instead.
    """
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def client(i, job):
        with app.app_context(), (Session(engine) if engine is not None else app_session()) as session:
            try:
                go = job(session)
            except BaseException as exc:  # a broken setup must not leave the others at the barrier
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


def admit_job(membership_id, actor_id, now):
    def job(session):
        m, actor = session.get(PoolMembership, membership_id), session.get(User, actor_id)
        return lambda: act(session, m, "admit", actor=actor, now=now, expected_version=m.version)
    return job


def nominations(session, actors, now, n):
    return [nominate_to(session, eligible_firm(session), actors["xihu2"], now) for _ in range(n)]


def outcome(results):
    """Each result as a name, so an unexpected error (database is locked, stale version...) shows in the diff."""
    return sorted("ok" if r == "ok" else f"{type(r).__name__}: {r}" if not isinstance(r, PoolFull) else "PoolFull"
                  for r in results)


def admitted(session, pool_id):
    session.expire_all()
    return session.scalar(select(func.count()).where(PoolMembership.pool_id == pool_id,
                                                     PoolMembership.state == "admitted"))


def admit_events(session):
    return session.scalar(select(func.count()).select_from(AuditEvent).filter_by(subject_type="membership",
                                                                                 action="admit"))


@pytest.mark.parametrize("reviewer", ["city", "xihu"])
def test_32_clients_admitting_into_a_pool_of_5(ctx, session, actors, now, race_engine, reviewer):
    members = nominations(session, actors, now, CLIENTS + 4)
    pool = pool_of(session, "county", XIHU)
    pool.capacity = CAPACITY
    session.commit()
    pool_id = pool.id
    results = race(ctx, race_engine, [admit_job(m.id, actors[reviewer].id, now) for m in members[:CLIENTS]])
    assert outcome(results) == ["PoolFull"] * (CLIENTS - CAPACITY) + ["ok"] * CAPACITY
    assert admitted(session, pool_id) == CAPACITY
    assert admit_events(session) == CAPACITY
    # Losers wrote nothing: their memberships are untouched, and only the winners' seat claims committed.
    losers = [m for m, r in zip(members, results, strict=False) if r != "ok"]
    assert {(m.state, m.version, m.decided_by_id) for m in losers} == {("nominated", 1, None)}
    assert session.get(Pool, pool_id).admit_seq == CAPACITY


def test_the_apps_own_sessions_race_the_same_way(ctx, session, actors, now):
    """Twelve clients through `db.session` in their own app contexts (within the app's pool of 5 + 10)."""
    members = nominations(session, actors, now, 12)
    pool = pool_of(session, "county", XIHU)
    pool.capacity = 3
    session.commit()
    results = race(ctx, None, [admit_job(m.id, actors["city"].id, now) for m in members])
    assert outcome(results) == ["PoolFull"] * 9 + ["ok"] * 3
    assert admitted(session, pool.id) == 3 == admit_events(session)


def test_a_pool_with_room_for_all_admits_all(ctx, session, actors, now, race_engine):
    members = nominations(session, actors, now, CLIENTS)
    pool = pool_of(session, "county", XIHU)
    pool.capacity = CLIENTS
    session.commit()
    results = race(ctx, race_engine, [admit_job(m.id, actors["city"].id, now) for m in members])
    assert outcome(results) == ["ok"] * CLIENTS
    assert admitted(session, pool.id) == CLIENTS == admit_events(session)


def test_admissions_racing_a_capacity_cut(ctx, session, actors, now, race_engine):
    """The admin cuts an unlimited pool to 5 while 31 admissions race: either the cut lands with at most 5
    admitted (and the pool then fills to exactly 5), or it is refused because more were already admitted."""
    members = nominations(session, actors, now, CLIENTS - 1)
    pool_id, admin_id = pool_of(session, "county", XIHU).id, actors["admin"].id

    def cut(session):
        admin = session.get(User, admin_id)
        return lambda: update_pools(session, {pool_id: {"capacity": CAPACITY}}, actor=admin, now=now)

    jobs = [admit_job(m.id, actors["city"].id, now) for m in members]
    middle = len(jobs) // 2
    jobs.insert(middle, cut)
    results = race(ctx, race_engine, jobs)
    cut_result = results.pop(middle)
    session.expire_all()
    capacity, count = session.get(Pool, pool_id).capacity, admitted(session, pool_id)
    if cut_result == "ok":
        assert (capacity, count) == (CAPACITY, CAPACITY)
        assert outcome(results) == ["PoolFull"] * (CLIENTS - 1 - CAPACITY) + ["ok"] * CAPACITY
    else:
        assert isinstance(cut_result, ValidationFailed), cut_result
        assert (capacity, count) == (None, CLIENTS - 1)
        assert outcome(results) == ["ok"] * (CLIENTS - 1)
    assert admit_events(session) == count


def test_concurrent_nominations_of_one_firm_make_one_membership(ctx, session, actors, now, race_engine):
    firm_id, pool_id, actor_id = eligible_firm(session).id, pool_of(session, "county", XIHU).id, actors["xihu"].id
    session.commit()

    def job(session):
        from models import Firm

        pool, firm, actor = session.get(Pool, pool_id), session.get(Firm, firm_id), session.get(User, actor_id)
        return lambda: nominate(session, pool, firm, reason="推荐", cultivation_type="growth", batch="2026-1",
                                actor=actor, now=now)

    results = race(ctx, race_engine, [job] * 8)
    assert sorted("ok" if r == "ok" else type(r).__name__ for r in results) == ["Duplicate"] * 7 + ["ok"]
    assert all(isinstance(r, Duplicate) for r in results if r != "ok")
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(PoolMembership)) == 1


def test_admins_moving_targets_at_once_never_break_the_county_total(ctx, session, actors, now, race_engine):
    """Eight edits, each moving some of 西湖区's target to another district, all computed from the same page:
    the first to commit wins; every later one no longer sums to 45,000 against what is now committed and
    is refused, instead of overwriting 西湖区's target with a value computed from a stale one."""
    pools = {p.district_code: (p.id, p.target) for p in all_pools(session) if p.level == "county"}
    xihu_id, xihu_target = pools.pop(XIHU)
    admin_id = actors["admin"].id

    def move(district, amount):
        other_id, other_target = pools[district]

        def job(session):
            admin = session.get(User, admin_id)
            edit = {xihu_id: {"target": xihu_target - amount}, other_id: {"target": other_target + amount}}
            return lambda: update_pools(session, edit, actor=admin, now=now)
        return job

    results = race(ctx, race_engine, [move(d, 100 * (i + 1)) for i, d in enumerate(sorted(pools)[:8])])
    assert sorted("ok" if r == "ok" else type(r).__name__ for r in results) == ["ValidationFailed"] * 7 + ["ok"]
    session.expire_all()
    assert sum(p.target for p in all_pools(session) if p.level == "county") == county_total()
    assert session.scalar(select(func.count()).select_from(AuditEvent).filter_by(subject_type="pool")) == 2
