"""search indexes: name search, firm_tags, list filters

The `q` search of every firm list (workflows/search.py) and the list filters answered from indexes at city
scale (a million firms), built here for the firms already stored and kept in step afterwards by the
database itself, so every write path follows: the ORM (forms, API, cases), the import's set-wise SQL and the
demo seed's COPY / executemany alike.

- Parts of three characters and more: on SQLite `firms_name_fts`, an FTS5 table with the trigram tokenizer
  over firms.name (external content: it holds the index only); on PostgreSQL a pg_trgm GIN index on
  firms.name (the extension is created in `public` when missing).
- Parts of two characters (and one, on PostgreSQL), which trigrams cannot index: on SQLite
  `firms_name_pairs`, a second trigram table over each name's two-character pieces written "ab␁"
  (SQLITE_PAIRS), so that a pair is one trigram — cheap to keep in step, unlike a b-tree of pieces, whose
  random inserts made a million-firm raw load four times slower; on PostgreSQL `firm_name_grams`
  (gram, firm_id), every two-character piece of each name and its last character alone (so one character is
  a range of pieces). A table rather than a GIN index on an array of pieces: a generated array column
  doubled the firms heap (every scan of firms twice as slow) and an expression index is recomputed per row
  when rechecked.
- `firm_tags` (firm_id, tag), one row per 八大万亿产业 tag of firms.tags (JSON parsed in the database:
  json_each on SQLite, json_array_elements_text on PostgreSQL), and indexes for the remaining list filters
  (组织形式 and the four markers).

Triggers on firms keep the name indexes and the tags in step. PostgreSQL's are set-wise for INSERT and
DELETE (transition tables: a million-row import or COPY costs one statement each), per row for UPDATE and
only when the name or the tags changed; TRUNCATE empties the pieces too.

Downgrade removes all of it (not the pg_trgm extension, which other schemas' objects may use).

Revision ID: 0008
Revises: 0010
Create Date: 2026-12-03
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import text

revision = '0008'
down_revision = '0010'
branch_labels = None
depends_on = None

MARKERS = ("legal_form", "abnormal", "serious_violation", "tech_sme", "high_tech")

# --------------------------------------------------------------------------------------------------- SQLite

LONGEST_NAME = 1000  # firms.name is at most 200 characters; the position table reaches well past it
# A name's two-character pieces, each followed by char(1): "杭州华" -> "杭州␁州华␁". Indexed by the trigram
# tokenizer, the piece "ab" is the token "ab␁" (no name holds char(1)), so two characters are a trigram lookup.
SQLITE_PAIRS = ("(SELECT group_concat(substr({name}, p.n, 2) || char(1), '') FROM firm_name_positions p"
                " WHERE p.n < length({name}))")


SQLITE_TAGS = ("SELECT {id}, value FROM json_each(CASE WHEN json_valid({tags}) AND json_type({tags}) = 'array'"
               " THEN {tags} ELSE '[]' END) WHERE type = 'text'")
SQLITE_UP = (
    "CREATE VIRTUAL TABLE firms_name_fts USING fts5(name, content='firms', content_rowid='id', tokenize='trigram')",
    "INSERT INTO firms_name_fts (firms_name_fts) VALUES ('rebuild')",
    "CREATE TABLE firm_name_positions (n INTEGER PRIMARY KEY)",
    f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {LONGEST_NAME})"
    " INSERT INTO firm_name_positions (n) SELECT n FROM s",
    # It keeps its own text (content): a row is deleted by its rowid, whatever order group_concat chose.
    "CREATE VIRTUAL TABLE firms_name_pairs USING fts5(pairs, columnsize=0, tokenize='trigram')",
    f"INSERT INTO firms_name_pairs (rowid, pairs) SELECT id, {SQLITE_PAIRS.format(name='name')} FROM firms",
    "INSERT OR IGNORE INTO firm_tags (firm_id, tag) SELECT f.id, t.value FROM firms f, json_each(CASE WHEN"
    " json_valid(f.tags) AND json_type(f.tags) = 'array' THEN f.tags ELSE '[]' END) AS t WHERE t.type = 'text'",
    f"""CREATE TRIGGER firms_search_insert AFTER INSERT ON firms BEGIN
        INSERT INTO firms_name_fts (rowid, name) VALUES (new.id, new.name);
        INSERT INTO firms_name_pairs (rowid, pairs) VALUES (new.id, {SQLITE_PAIRS.format(name='new.name')});
        INSERT OR IGNORE INTO firm_tags (firm_id, tag) {SQLITE_TAGS.format(id="new.id", tags="new.tags")};
    END""",
    f"""CREATE TRIGGER firms_search_name AFTER UPDATE OF name ON firms WHEN new.name IS NOT old.name BEGIN
        INSERT INTO firms_name_fts (firms_name_fts, rowid, name) VALUES ('delete', old.id, old.name);
        INSERT INTO firms_name_fts (rowid, name) VALUES (new.id, new.name);
        DELETE FROM firms_name_pairs WHERE rowid = old.id;
        INSERT INTO firms_name_pairs (rowid, pairs) VALUES (new.id, {SQLITE_PAIRS.format(name='new.name')});
    END""",
    f"""CREATE TRIGGER firms_search_tags AFTER UPDATE OF tags ON firms WHEN new.tags IS NOT old.tags BEGIN
        DELETE FROM firm_tags WHERE firm_id = old.id;
        INSERT OR IGNORE INTO firm_tags (firm_id, tag) {SQLITE_TAGS.format(id="new.id", tags="new.tags")};
    END""",
    """CREATE TRIGGER firms_search_delete AFTER DELETE ON firms BEGIN
        INSERT INTO firms_name_fts (firms_name_fts, rowid, name) VALUES ('delete', old.id, old.name);
        DELETE FROM firms_name_pairs WHERE rowid = old.id;
        DELETE FROM firm_tags WHERE firm_id = old.id;
    END""",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS firms_search_delete",
    "DROP TRIGGER IF EXISTS firms_search_tags",
    "DROP TRIGGER IF EXISTS firms_search_name",
    "DROP TRIGGER IF EXISTS firms_search_insert",
    "DROP TABLE IF EXISTS firms_name_pairs",
    "DROP TABLE IF EXISTS firm_name_positions",
    "DROP TABLE IF EXISTS firms_name_fts",
)

# ----------------------------------------------------------------------------------------------- PostgreSQL

PG_TAGS = ("SELECT DISTINCT {id}, t.tag FROM {source} CROSS JOIN LATERAL json_array_elements_text("
           "CASE WHEN json_typeof({tags}) = 'array' THEN {tags} ELSE '[]'::json END) AS t(tag)")
PG_GRAMS = ("SELECT DISTINCT substr({name}, i, 2) COLLATE \"C\", {id} FROM {source}"
            " CROSS JOIN LATERAL generate_series(1, length({name})) AS i")
PG_UP = (
    'CREATE TABLE firm_name_grams (gram text COLLATE "C" NOT NULL, firm_id integer NOT NULL)',
    "INSERT INTO firm_name_grams (gram, firm_id) " + PG_GRAMS.format(name="f.name", id="f.id", source="firms f"),
    "ALTER TABLE firm_name_grams ADD CONSTRAINT pk_firm_name_grams PRIMARY KEY (gram, firm_id)",
    "INSERT INTO firm_tags (firm_id, tag) " + PG_TAGS.format(id="f.id", source="firms f", tags="f.tags"),
    # New firms' ids are new (a sequence; TRUNCATE empties the pieces too): no conflict to check for. In key
    # order, a million-row import writes the b-tree leaf by leaf instead of at random (a sixth of the cost).
    """CREATE FUNCTION firms_search_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        INSERT INTO firm_name_grams (gram, firm_id) """
    + PG_GRAMS.format(name="n.name", id="n.id", source="new_firms n") + """ ORDER BY 1, 2;
        INSERT INTO firm_tags (firm_id, tag) """ + PG_TAGS.format(id="n.id", source="new_firms n", tags="n.tags")
    + """;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION firms_search_updated() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        IF OLD.name IS DISTINCT FROM NEW.name THEN
            DELETE FROM firm_name_grams WHERE firm_id = OLD.id AND gram IN (
                SELECT substr(OLD.name, i, 2) FROM generate_series(1, length(OLD.name)) AS i);
            INSERT INTO firm_name_grams (gram, firm_id) """
    + PG_GRAMS.format(name="NEW.name", id="NEW.id", source="(SELECT 1) AS one") + """ ON CONFLICT DO NOTHING;
        END IF;
        IF OLD.tags::text IS DISTINCT FROM NEW.tags::text THEN
            DELETE FROM firm_tags WHERE firm_id = OLD.id;
            INSERT INTO firm_tags (firm_id, tag) """
    + PG_TAGS.format(id="NEW.id", source="(SELECT 1) AS one", tags="NEW.tags") + """;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION firms_search_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        DELETE FROM firm_name_grams WHERE (gram, firm_id) IN ("""
    + PG_GRAMS.format(name="o.name", id="o.id", source="old_firms o") + """);
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION firms_search_truncated() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        TRUNCATE firm_name_grams;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER firms_search_insert AFTER INSERT ON firms REFERENCING NEW TABLE AS new_firms"
    " FOR EACH STATEMENT EXECUTE FUNCTION firms_search_inserted()",
    "CREATE TRIGGER firms_search_update AFTER UPDATE OF name, tags ON firms FOR EACH ROW"
    " WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.tags::text IS DISTINCT FROM NEW.tags::text)"
    " EXECUTE FUNCTION firms_search_updated()",
    "CREATE TRIGGER firms_search_delete AFTER DELETE ON firms REFERENCING OLD TABLE AS old_firms"
    " FOR EACH STATEMENT EXECUTE FUNCTION firms_search_deleted()",
    "CREATE TRIGGER firms_search_truncate AFTER TRUNCATE ON firms FOR EACH STATEMENT"
    " EXECUTE FUNCTION firms_search_truncated()",
)
PG_DOWN = (
    "DROP TRIGGER IF EXISTS firms_search_truncate ON firms",
    "DROP TRIGGER IF EXISTS firms_search_delete ON firms",
    "DROP TRIGGER IF EXISTS firms_search_update ON firms",
    "DROP TRIGGER IF EXISTS firms_search_insert ON firms",
    "DROP FUNCTION IF EXISTS firms_search_truncated()",
    "DROP FUNCTION IF EXISTS firms_search_deleted()",
    "DROP FUNCTION IF EXISTS firms_search_updated()",
    "DROP FUNCTION IF EXISTS firms_search_inserted()",
    "DROP TABLE IF EXISTS firm_name_grams",
    "DROP INDEX IF EXISTS ix_firms_name_trgm",
)


def _pg_trgm_schema(bind) -> str:
    """The schema pg_trgm lives in, created in `public` if the database has none yet."""
    find = text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
    schema = bind.scalar(find)
    if schema is None:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        schema = bind.scalar(find)
    return schema


def upgrade():
    bind = op.get_bind()
    op.create_table(
        'firm_tags',
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('tag', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['firm_id'], ['firms.id'], name=op.f('fk_firm_tags_firm_id_firms'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('firm_id', 'tag', name=op.f('pk_firm_tags')),
    )
    op.create_index('ix_firm_tags_tag_firm', 'firm_tags', ['tag', 'firm_id'], unique=False)
    for column in MARKERS:
        op.create_index(f'ix_firms_{column}', 'firms', [column], unique=False)
    if bind.dialect.name == "postgresql":
        schema = _pg_trgm_schema(bind)
        op.execute(f'CREATE INDEX ix_firms_name_trgm ON firms USING gin (name "{schema}".gin_trgm_ops)')
        for statement in PG_UP:
            op.execute(statement)
        op.execute("ANALYZE firm_name_grams")
        op.execute("ANALYZE firm_tags")
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    for statement in PG_DOWN if bind.dialect.name == "postgresql" else SQLITE_DOWN:
        op.execute(statement)
    for column in reversed(MARKERS):
        op.drop_index(f'ix_firms_{column}', table_name='firms')
    op.drop_index('ix_firm_tags_tag_firm', table_name='firm_tags')
    op.drop_table('firm_tags')
