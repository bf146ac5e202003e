"""What the search indexes of migration 0008 must hold, recomputed from the firms themselves: the tests of
every write path compare the database's triggers with it, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select, text

from models import Firm, FirmTag

ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def trigrams(value: str) -> list[str]:
    """FTS5's trigram tokenizer, case folded (as tokenize='trigram' does; .lower() agrees on these names)."""
    value = value.lower()
    return [value[i:i + 3] for i in range(len(value) - 2)]


def pairs(name: str) -> set[str]:
    """The tokens `firms_name_pairs` must hold for a name: each two-character piece and char(1), folded."""
    return {name[i:i + 2].lower() + "\x01" for i in range(len(name) - 1)}


def _fts_instances(session, table: str) -> set[tuple[str, int]]:
    session.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_terms USING fts5vocab(main, {table}, instance)"))
    return set(session.execute(text(f"SELECT term, doc FROM temp.{table}_terms")).tuples())


def assert_indexes_follow(session) -> None:
    """The name indexes and firm_tags hold exactly what the stored firms imply."""
    session.flush()
    firms = session.execute(select(Firm.id, Firm.name, Firm.tags)).all()
    if session.get_bind().dialect.name == "sqlite":
        assert _fts_instances(session, "firms_name_fts") == {(t, i) for i, name, _ in firms for t in trigrams(name)}
        held = {(term, i) for term, i in _fts_instances(session, "firms_name_pairs") if term.endswith("\x01")}
        assert held == {(t, i) for i, name, _ in firms for t in pairs(name)}  # (the other trigrams span pieces)
    else:
        pieces = set(session.execute(text("SELECT gram, firm_id FROM firm_name_grams")).tuples())
        assert pieces == {(name[i:i + 2], firm_id) for firm_id, name, _ in firms for i in range(len(name))}
    tags = set(session.execute(select(FirmTag.firm_id, FirmTag.tag)).tuples())
    assert tags == {(firm_id, tag) for firm_id, _name, firm_tags in firms for tag in firm_tags or ()}
