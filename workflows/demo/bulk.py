"""Writing the demo's firms, their indicators and one `create` audit event per firm, in bulk.

Two costs dominate at city scale: making the records (Python) and inserting them (the database, which
maintains every index of `firms`). They overlap: where the platform can fork, a child process generates
and prepares chunk N+1 while this process inserts chunk N. The child only computes. It never touches
the database connection it inherits, runs with the garbage collector off (so no finalizer of an
inherited object can run there) and leaves through ``os._exit`` (multiprocessing's fork exit), so
nothing of the parent's is closed behind its back. Elsewhere the same steps run in turn.
"""

from __future__ import annotations

import gc
import multiprocessing
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time
from itertools import islice

from sqlalchemy import Date, DateTime, func, select

from models import AnnualIndicator, AuditEvent, Firm
from workflows.demo.cases import CasePool
from workflows.demo.data import go_live_day
from workflows.demo.firms import FirmRecord, generate_firms

CHUNK = 10_000
FIRM_COLUMNS = ("uscc", "name", "legal_form", "stage", "district_code", "industry", "tags", "registered_on",
                "status", "abnormal", "serious_violation", "tech_sme", "high_tech", "size_class", "tech_sme_on",
                "high_tech_on")
FIGURE_COLUMNS = ("year", "revenue", "tax", "profit", "employees", "rd_expense", "rd_staff", "total_assets",
                  "export")


class BulkInsert:
    """INSERT through the driver's executemany (COPY on PostgreSQL).

    SQLAlchemy's per-row parameter handling (ORM bulk or Core alike) costs more than the database
    itself at this volume. Each value still goes through its column type's bind processor for the
    dialect, so rows are stored exactly as the ORM would store them (dates, JSON, money). ``keys`` are
    leading integer columns (ids) the caller supplies only at execution time.
    """

    def __init__(self, session, model, columns, *, keys=(), constants: dict | None = None):
        dialect = session.connection().dialect
        table = model.__table__
        constants = constants or {}
        self.procs = [_processor(table.c[name], dialect) for name in columns]
        self.tail = tuple(_apply(_processor(table.c[name], dialect), v) for name, v in constants.items())
        quote = dialect.identifier_preparer.quote
        names = (*keys, *columns, *constants)
        target = f"{quote(table.name)} ({', '.join(quote(n) for n in names)})"
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        self.copy = dialect.driver == "psycopg"  # COPY: PostgreSQL's bulk path, many times an INSERT's speed
        self.sql = f"COPY {target} FROM STDIN" if self.copy else \
            f"INSERT INTO {target} VALUES ({', '.join([mark] * len(names))})"

    def prepare(self, rows) -> list[tuple]:
        procs, tail = self.procs, self.tail
        return [(*[v if p is None or v is None else p(v) for p, v in zip(procs, row, strict=True)], *tail) for row in rows]

    def execute(self, session, data: list[tuple], keys: list[tuple] | None = None) -> None:
        if keys is not None:
            data = [(*k, *row) for k, row in zip(keys, data, strict=True)]
        if not data:
            return
        if not self.copy:
            session.connection().exec_driver_sql(self.sql, data)
            return
        with session.connection().connection.driver_connection.cursor() as cursor, cursor.copy(self.sql) as copy:
            for row in data:
                copy.write_row(row)


def _processor(column, dialect):
    proc = column.type.dialect_impl(dialect).bind_processor(dialect)
    if proc is None or not isinstance(column.type, Date | DateTime):
        return proc
    memo = {}  # SQLite formats every date in Python; the demo's dates repeat a lot

    def memoised(value):
        if value not in memo:
            memo[value] = proc(value)
        return memo[value]
    return memoised


def _apply(proc, value):
    return value if proc is None or value is None else proc(value)


@dataclass(slots=True)
class Prepared:
    """One chunk, ready for the driver: everything but the ids the database assigns."""

    firms: list[tuple]
    usccs: list[str]
    figures: list[list[tuple]]  # per firm, its indicator rows without firm_id
    events: list[tuple]  # per firm, its `create` event without subject_id/firm_id
    pools: list[str | None]  # per firm, the CasePool list it joins


class FirmWriter:
    def __init__(self, session, *, seed: int, now: datetime):
        self.now = now
        self.go_live = datetime.combine(go_live_day(now), time(1, 0))
        self.firms = BulkInsert(session, Firm, (*FIRM_COLUMNS, "created_at", "updated_at"))
        self.figures = BulkInsert(session, AnnualIndicator, (*FIGURE_COLUMNS, "updated_at"), keys=("firm_id",))
        self.events = BulkInsert(session, AuditEvent, ("at",), keys=("subject_id", "firm_id"), constants={
            "subject_type": "firm", "action": "create", "from_state": None, "to_state": None, "actor_id": None,
            "actor_name": "system", "comment": "演示数据：登记信息导入", "evidence": {"source": "demo", "seed": seed},
        })
        self.pool_cutoff = CasePool.cutoff_for(now)

    def created_at(self, record: FirmRecord) -> datetime:
        """Firms older than the register were loaded at go-live; later ones the day they registered."""
        registered = datetime.combine(record.row["registered_on"], time(1, 30))  # 09:30 in Hangzhou, as UTC
        return min(max(self.go_live, registered), self.now)

    def prepare(self, chunk: list[FirmRecord]) -> Prepared:
        created = [self.created_at(r) for r in chunk]
        pairs = list(zip(chunk, created, strict=True))
        return Prepared(
            firms=self.firms.prepare((*[r.row[c] for c in FIRM_COLUMNS], at, at) for r, at in pairs),
            usccs=[r.row["uscc"] for r in chunk],
            figures=[self.figures.prepare((*[f[c] for c in FIGURE_COLUMNS], at) for f in r.indicators)
                     for r, at in pairs],
            events=self.events.prepare((at,) for at in created),
            pools=[CasePool.list_for(r, at <= self.pool_cutoff) for r, at in pairs],
        )

    def write(self, session, chunk: Prepared, pool: CasePool) -> None:
        # The new rows' ids, read back by range: an IN list of 10,000 codes costs seconds on PostgreSQL.
        floor = session.scalar(select(func.max(Firm.id))) or 0
        self.firms.execute(session, chunk.firms)
        found = dict(session.execute(select(Firm.uscc, Firm.id).where(Firm.id > floor)).all())
        ids = [found[uscc] for uscc in chunk.usccs]
        self.figures.execute(session, [row for rows in chunk.figures for row in rows],
                             keys=[(i,) for i, rows in zip(ids, chunk.figures, strict=True) for _ in rows])
        self.events.execute(session, chunk.events, keys=[(i, i) for i in ids])
        for firm_id, name in zip(ids, chunk.pools, strict=True):
            pool.add(name, firm_id)


def write_firms(session, *, seed: int, n_firms: int, now: datetime, pool: CasePool,
                background: bool | None = None, chunk_size: int = CHUNK) -> None:
    writer = FirmWriter(session, seed=seed, now=now)
    taken = set(session.scalars(select(Firm.uscc))) if session.scalar(select(Firm.id).limit(1)) else None

    def chunks() -> Iterator[Prepared]:
        records = iter(generate_firms(seed, n_firms, today=now.date(), taken=taken))
        while chunk := list(islice(records, chunk_size)):
            yield writer.prepare(chunk)

    if background is None:
        background = n_firms > chunk_size and "fork" in multiprocessing.get_all_start_methods()
    for prepared in (in_child(chunks) if background else chunks()):
        writer.write(session, prepared, pool)


def in_child(make: Callable[[], Iterator]) -> Iterator:
    """Iterate `make()` in a forked child process, receiving its items through a pipe (one ahead)."""
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_produce, args=(make, sender), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                raise RuntimeError("演示数据生成进程意外退出") from None
            if kind == "done":
                return
            if kind == "error":
                raise RuntimeError(f"演示数据生成进程出错：\n{payload}")
            yield payload
    finally:
        receiver.close()
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()


def _produce(make: Callable[[], Iterator], sender) -> None:
    gc.disable()
    try:
        for item in make():
            sender.send(("item", item))
        sender.send(("done", None))
    except BaseException:  # report anything to the parent, which raises it
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()
