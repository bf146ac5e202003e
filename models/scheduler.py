"""The scheduler process's bookkeeping on PostgreSQL: who is alive, and who holds which queued run.

Both tables are written on a connection of their own in autocommit (`pool.scheduler.beacons`), never in
a run's transaction: an import holds its run's row for as long as it runs, so a lease kept on that row
could not be renewed. On SQLite the same facts live in small files beside the database (a second
connection cannot write while an import holds the database's write lock); the tables stay empty there.
"""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class SchedulerProcess(Base):
    """One `flask scheduler run` process: its heartbeat, and whether it runs the cron schedule."""

    __tablename__ = "scheduler_processes"

    token: Mapped[str] = mapped_column(String(120), primary_key=True)  # host|pid|start
    host: Mapped[str] = mapped_column(String(100))
    pid: Mapped[int]
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime] = mapped_column(index=True)
    leader: Mapped[bool] = mapped_column(default=False)


class RunLease(Base):
    """A claimed run's owner and how long the claim holds unless renewed (kind: import / check / export)."""

    __tablename__ = "run_leases"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    run_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime]
