"""What the search indexes of migration 0008 must hold, recomputed from the firms themselves: the tests of
every write path compare the database's triggers with it, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select, text

from models import Firm, FirmTag

ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def expected_pieces(dialect: str, firms) -> set[tuple[str, int]]:
    """Each name's two-character pieces and its last character alone; ASCII lower-cased on SQLite."""
    fold = (lambda s: s.translate(ASCII_LOWER)) if dialect == "sqlite" else (lambda s: s)
    return {(fold(name[i:i + 2]), firm_id) for firm_id, name, _tags in firms for i in range(len(name))}


def assert_indexes_follow(session) -> None:
    """firm_name_grams, firm_tags (and SQLite's FTS table) hold exactly what the stored firms imply."""
    session.flush()
    dialect = session.get_bind().dialect.name
    firms = session.execute(select(Firm.id, Firm.name, Firm.tags)).all()
    pieces = set(session.execute(text("SELECT gram, firm_id FROM firm_name_grams")).tuples())
    assert pieces == expected_pieces(dialect, firms)
    tags = set(session.execute(select(FirmTag.firm_id, FirmTag.tag)).tuples())
    assert tags == {(firm_id, tag) for firm_id, _name, firm_tags in firms for tag in firm_tags or ()}
    if dialect == "sqlite":  # every trigram instance the FTS table holds (lower-cased: tokenize='trigram')
        session.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS temp.firms_name_trigrams"
                             " USING fts5vocab(main, firms_name_fts, instance)"))
        trigrams = set(session.execute(text("SELECT term, doc FROM temp.firms_name_trigrams")).tuples())
        assert trigrams == {(name.lower()[i:i + 3], firm_id) for firm_id, name, _tags in firms
                            for i in range(len(name) - 2)}
