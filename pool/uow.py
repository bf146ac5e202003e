"""The unit of work at the edge (views, API routes, CLI commands, scheduler jobs).

Workflow functions change data and never commit; the edge that called them owns the transaction. Every
edge wraps its one workflow call in `unit_of_work()`: the block's changes are committed together when it
ends cleanly and rolled back when anything in it raises, so a refused request writes nothing, not even
what a workflow flushed before failing. The exception still travels to the caller, which turns a domain
error into a page, a JSON error (DESIGN §8) or a CLI exit code; the caller never calls commit or rollback.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from models import db


@contextmanager
def unit_of_work(session=None) -> Iterator:
    session = session if session is not None else db.session
    try:
        yield session
        session.commit()  # inside the try: a unique index that refuses at commit rolls back too
    except BaseException:
        session.rollback()
        raise


@contextmanager
def read_only(session=None) -> Iterator:
    """A block that only reads (a listing, an export): its transaction always ends in a rollback, so it
    holds no snapshot or lock afterwards and nothing it may have flushed is kept."""
    session = session if session is not None else db.session
    try:
        yield session
    finally:
        session.rollback()
