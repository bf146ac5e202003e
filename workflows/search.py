"""The `q` search of every firm list (firms, pool members, review queue, nomination, worklist, exports).

What it finds: firms whose name contains `q` taken literally (the LIKE wildcards % _ \\ are escaped), as
the database's LIKE compares — SQLite ignores the case of ASCII letters, PostgreSQL does not, as before —
or, when `q` reads as a USCC or its first characters (`rules.uscc.uscc_prefix`), firms whose USCC starts
with it: a whole USCC finds its firm as the old exact match did, and "91330106MA" finds the codes starting so.

How it stays exact and fast at a million firms: that condition itself always decides; an index only narrows
the rows it is checked on (migration 0008 builds the indexes and the database keeps them in step, so the
candidates never miss a firm that matches):
- three characters and more: PostgreSQL's pg_trgm index answers the LIKE itself; on SQLite the candidates
  come from the FTS5 trigram table `firms_name_fts`;
- two characters (trigrams need three): on SQLite from `firms_name_pairs`, each name's two-character pieces
  indexed as trigrams "ab\x01"; on PostgreSQL from `firm_name_grams`, each name's two-character pieces and
  its last character, which also answers one character (SQLite scans for one character);
- a USCC or its start: a range on the unique index of `firms.uscc`.
Given a session, the search first counts the name's candidates up to `BROAD`: a part matching more (“有限公司”,
“杭州”, most single characters) is answered by the plain scan, cheaper than fetching that many rows one by
one; its exact total is a count over much of the register either way.
"""

from __future__ import annotations

from sqlalchemy import Boolean, and_, func, literal_column, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import column, table
from sqlalchemy.sql.expression import ColumnElement

from models import Firm
from workflows.rules.uscc import uscc_prefix

# Above this many candidates a scan costs less than fetching each candidate's row (measured at a million
# firms: SQLite fetches a row by rowid in about 0.5 µs and scans the names in about 110 ms; PostgreSQL fetches
# one in 2-3 µs and scans in about 100 ms).
BROAD = {"sqlite": 100_000, "postgresql": 30_000}
TRIGRAM = 3
_FTS = table("firms_name_fts", column("rowid"))
_PAIRS = table("firms_name_pairs", column("rowid"))  # SQLite: each two-character piece as the trigram "ab\x01"
PAIR_END = "\x01"
_GRAMS = table("firm_name_grams", column("gram"), column("firm_id"))  # PostgreSQL: the pieces, one row each
_LAST_CHAR = "\U0010ffff"


def like_pattern(value: str) -> str:
    """`value` as a LIKE pattern matching it anywhere, its wildcards taken literally (escape character \\)."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def name_or_uscc(value: str, session=None, *, indexes: bool = True):
    """The WHERE clause of the `q` search, on any statement over Firm. With `session`, first one capped
    count tells a broad part from a narrow one; without, the indexes narrow whatever the part.
    `indexes=False` where other indexes already narrow the statement to a few thousand firms (a pool's
    members, the open cases): checking those names costs less than fetching a broad part's candidates."""
    search = Search(value)
    if not indexes or (session is not None and search.broad(session)):
        return search.condition()
    return search


class Search(ColumnElement):
    """The `q` condition, narrowed by the database's own indexes (the SQL is chosen when compiled)."""

    type = Boolean()
    inherit_cache = False  # the SQL depends on the value and the database: never reuse a compiled form
    _is_implicitly_boolean = True  # a condition as it stands, never `(...) = 1` on SQLite

    def __init__(self, value: str):
        self.value, self.code = value, uscc_prefix(value)

    def like(self):
        return Firm.name.like(like_pattern(self.value), escape="\\")

    def coded(self, firms=Firm.__table__):
        return and_(firms.c.uscc >= self.code, firms.c.uscc < _after(self.code))

    def condition(self):
        """What decides: the name contains the value, or the USCC starts with it."""
        return self.like() if self.code is None else or_(self.like(), self.coded())

    def name_candidates(self, dialect: str):
        """Ids of every firm whose name may contain the value (perhaps a few more), from the name indexes;
        None where no index helps: on PostgreSQL for three characters and more, whose trigram index answers
        LIKE itself, and on SQLite for a single character (a scan: most characters are in many names)."""
        if len(self.value) >= TRIGRAM:
            if dialect == "postgresql":
                return None
            return _fts_match(_FTS, "firms_name_fts", self.value)
        if dialect != "postgresql":
            return _fts_match(_PAIRS, "firms_name_pairs", self.value + PAIR_END) if len(self.value) == 2 else None
        if len(self.value) == 2:
            return select(_GRAMS.c.firm_id).where(_GRAMS.c.gram == self.value)
        return select(_GRAMS.c.firm_id).where(_GRAMS.c.gram.between(self.value, self.value + _LAST_CHAR))

    def narrowed(self, dialect: str):
        """The condition with its candidates: SQLite unites the name's and the USCC range's index lookups
        itself (a multi-index OR); PostgreSQL can only OR bitmaps, so its short parts take the union of
        both candidate sets first."""
        names = self.name_candidates(dialect)
        if names is None:
            return self.condition()
        if self.code is None:
            return and_(Firm.id.in_(names), self.like())
        if dialect == "sqlite":
            return or_(and_(Firm.id.in_(names), self.like()), self.coded())
        coded = Firm.__table__.alias("coded")  # not the enclosing statement's firms
        return and_(Firm.id.in_(union_all(names, select(coded.c.id).where(self.coded(coded)))), self.condition())

    def broad(self, session) -> bool:
        """Does the name part have more than BROAD candidates? Counted no further (milliseconds, on the index)."""
        dialect = session.get_bind().dialect.name
        names = self.name_candidates(dialect)
        if names is None:
            return False
        limit = BROAD.get(dialect, BROAD["postgresql"])
        return session.scalar(select(func.count()).select_from(names.limit(limit + 1).subquery())) > limit


def _fts_match(fts, name: str, text: str):
    """Rowids of an FTS5 table holding `text` as a phrase (its quotes doubled, so any character is literal)."""
    return select(fts.c.rowid).where(literal_column(name).match('"' + text.replace('"', '""') + '"'))


def _after(code: str) -> str:
    """The least string above every string starting with `code` (its last character stepped up)."""
    return code[:-1] + chr(ord(code[-1]) + 1)


@compiles(Search)
def _compile(element, compiler, **kw):
    return f"({compiler.process(element.narrowed(compiler.dialect.name), **kw)})"
