"""The few SQL spellings that differ between SQLite and PostgreSQL, so the set-wise statements are written once.

Audit evidence is built in SQL in the same shape `workflows.audit` gives it in Python: {field: [old, new]}
with money as text with two decimals ("1234.50"), dates as ISO text, booleans as JSON booleans, tags as
a list, fields in the layout's order; only changed fields appear. It is built as text by concatenation
(text values escaped by to_json / json_quote), which at a million rows is several times faster than
json_build_object / json_object; PostgreSQL's json input then checks the result when it is stored.

Needs SQLite ≥ 3.33 (UPDATE ... FROM); PostgreSQL ≥ 12.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from sqlalchemy import DateTime, bindparam, text

SQLITE_MINIMUM = (3, 33, 0)


class Sql:
    def __init__(self, conn):
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.on_statement = None  # called after each statement: progress during the long set-wise phases
        if not self.pg and sqlite3.sqlite_version_info < SQLITE_MINIMUM:
            raise RuntimeError(f"导入需要 SQLite ≥ 3.33（UPDATE ... FROM），当前为 {sqlite3.sqlite_version}")

    # ------------------------------------------------------------------------------------ execution

    def run(self, statement: str, **params):
        stmt = text(statement)
        typed = [bindparam(k, type_=DateTime()) for k, v in params.items() if isinstance(v, datetime)]
        if typed:
            stmt = stmt.bindparams(*typed)
        result = self.conn.execute(stmt, params)
        if self.on_statement is not None:
            self.on_statement()
        return result

    def scalar(self, statement: str, **params):
        return self.run(statement, **params).scalar()

    # ---------------------------------------------------------------------------------- expressions

    def differs(self, a: str, b: str) -> str:
        return f"({a} IS DISTINCT FROM {b})" if self.pg else f"({a} IS NOT {b})"

    def json_value(self, expr: str, kind: str, *, omit_null: bool = False) -> str:
        """JSON text for a column's value in the shape audit evidence uses; 'null' for NULL (or SQL NULL
        with `omit_null`, so a stripped object leaves the key out)."""
        if kind == "text":
            built = f"CAST(to_json(CAST({expr} AS TEXT)) AS TEXT)" if self.pg else f"json_quote({expr})"
        elif kind == "money":
            text = f"CAST({expr} AS TEXT)" if self.pg else f"printf('%.2f', {expr})"
            built = f"'\"' || {text} || '\"'"
        elif kind == "date":
            built = f"'\"' || CAST({expr} AS TEXT) || '\"'"
        elif kind == "bool":
            built = f"CASE WHEN {expr} THEN 'true' ELSE 'false' END"
        else:  # int, json
            built = f"CAST({expr} AS TEXT)"
        if omit_null:
            return f"CASE WHEN {expr} IS NULL THEN NULL ELSE {built} END"
        return f"CASE WHEN {expr} IS NULL THEN 'null' ELSE {built} END"

    def same_json(self, a: str, b: str) -> str:
        return f"(CAST({a} AS JSONB) = CAST({b} AS JSONB))" if self.pg else f"(json({a}) = json({b}))"

    @staticmethod
    def pair(old: str, new: str) -> str:
        return f"'[' || {old} || ',' || {new} || ']'"

    @staticmethod
    def obj(pairs: list[tuple[str, str]], *, strip: bool = False) -> str:
        """A JSON object as text, built by concatenation: several times faster than json_build_object /
        json_object at a million rows. Values are JSON text; with `strip`, a NULL value leaves its key out."""
        if not pairs:
            return "'{}'"
        if strip:
            members = " || ".join(f"COALESCE('\"{key}\":' || {value} || ',', '')" for key, value in pairs)
            return f"'{{' || rtrim({members}, ',') || '}}'"
        members = " || ',' || ".join(f"'\"{key}\":' || {value}" for key, value in pairs)
        return f"'{{' || {members} || '}}'"

    @staticmethod
    def nonempty(expr: str) -> str:
        """NULL instead of an empty object: "nothing changed" is `changes IS NULL`."""
        return f"NULLIF({expr}, '{{}}')"

    def to_column(self, expr: str) -> str:
        """Built JSON text for a JSON column (`json` on PostgreSQL, text on SQLite)."""
        return f"CAST({expr} AS JSON)" if self.pg else expr

    def text_to_json(self, expr: str) -> str:
        return f"CAST({expr} AS JSON)" if self.pg else expr


AUDIT_COLUMNS = ("subject_type, subject_id, firm_id, action, from_state, to_state, actor_id, actor_name, at,"
                 " comment, evidence")


def insert_events(sql: Sql, *, action: str, evidence: str, source: str, where: str, firm: str = "s.firm_id",
                  **params) -> int:
    """One audit event per selected row, in bulk: INSERT ... SELECT, never a Python loop. (No ORDER BY:
    the events of one run share their time and carry their line; sorting a million rows buys nothing.)"""
    result = sql.run(
        f"INSERT INTO audit_events ({AUDIT_COLUMNS}) SELECT 'firm', {firm}, {firm}, :action, NULL, NULL, :actor_id,"
        f" :actor_name, :now, :comment, {sql.to_column(evidence)} FROM {source} WHERE {where}",
        action=action, **params)
    return result.rowcount
