"""Writing the `status` kind set-wise: the daily change feeds, with `workflows.firm_status` semantics.

Each row names one change of the STATUS_CHANGES registry (注销, 吊销, 迁出, 恢复存续, 经营异常名录 列入/移出,
严重违法失信名单 列入/移出) with its effective date and source; the audit event is the one `mark_status`
writes (`status_change`, evidence: change, effective_on, source, changes). Where `mark_status` refuses a
change that changes nothing, a feed simply counts it as unchanged: yesterday's feed imported again, or a
firm already listed, must not fail a whole file.
"""

from __future__ import annotations

from workflows.firm_status import STATUS_CHANGES
from workflows.importing.dialect import insert_events
from workflows.importing.staging import ROWS
from workflows.importing.writer import Writer

FIELDS = tuple(dict.fromkeys(spec.field for spec in STATUS_CHANGES.values()))  # status, abnormal, serious_violation


def status_evidence(writer: Writer, *, change: str, effective_on: str, source: str, changes: str) -> str:
    """The evidence `mark_status` writes for a `status_change` event, as SQL over a staged row `s`.

    Both the status feed and the firms import write their status and marker changes with it, so a change
    of 登记状态 or of a list marker reads the same on a timeline wherever it came from.
    """
    sql = writer.sql
    return sql.obj([("change", sql.json_value(change, "text")), ("effective_on", sql.json_value(effective_on, "date")),
                    ("source", sql.json_value(source, "text")), ("changes", changes), writer.run_ref,
                    writer.line_ref])


def change_code(field: str, value: str) -> str:
    """SQL for the STATUS_CHANGES code that sets `field` to the value of the expression `value`."""
    whens = " ".join(f"WHEN {value} = {_literal(spec.value)} THEN '{code}'"
                     for code, spec in STATUS_CHANGES.items() if spec.field == field)
    return f"CASE {whens} END"


def _literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return f"'{value}'"  # a FirmStatus code: letters and underscores only


class StatusWriter(Writer):
    def prepare(self) -> None:
        sql = self.sql
        cases = []
        for field in FIELDS:
            if field == "status":
                old, new = sql.json_value("f.status", "text"), sql.json_value("s.value_text", "text")
            else:
                old, new = sql.json_value(f"f.{field}", "bool"), sql.json_value("s.value_bool", "bool")
            target = "s.value_text" if field == "status" else "s.value_bool"
            cases.append(f"WHEN '{field}' THEN CASE WHEN f.{field} <> {target} THEN "
                         f"{sql.obj([(field, sql.pair(old, new))])} END")
        sql.run(f"UPDATE {ROWS} AS s SET changes = CASE s.field {' '.join(cases)} END"
                f" FROM firms f WHERE f.id = s.firm_id AND s.ok")

    def counts(self) -> tuple[int, int, int]:
        return self.sql.run(
            f"SELECT 0, COALESCE(SUM(CASE WHEN changes IS NOT NULL THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN changes IS NULL THEN 1 ELSE 0 END), 0) FROM {ROWS} WHERE ok").one()

    def write(self) -> None:
        sql, params = self.sql, self.params
        evidence = status_evidence(self, change="s.change", effective_on="s.effective_on", source="s.source",
                                   changes="s.changes")
        insert_events(sql, action="status_change", source=f"{ROWS} s", where="s.ok AND s.changes IS NOT NULL",
                      evidence=evidence, **params)
        for field in FIELDS:
            value = "s.value_text" if field == "status" else "s.value_bool"
            sql.run(f"UPDATE firms SET {field} = {value}, updated_at = :now FROM {ROWS} s"
                    f" WHERE s.firm_id = firms.id AND s.ok AND s.changes IS NOT NULL AND s.field = :field",
                    now=params["now"], field=field)
