"""Writing the `firms` kind set-wise: upsert by USCC, one audit event per firm created or changed.

A new firm starts on the rung its 组织形式 implies (DESIGN §8); an existing firm's rung is never moved by
an import. A later change of 组织形式 (有限责任公司 → 股份有限公司, say) is written, recorded in the audit
event with the flag `legal_form_changed`, and listed as a notice in the run's report, so an officer can
open the matching case; the stage itself moves only through cases. A changed industry re-runs 划型.
"""

from __future__ import annotations

from workflows.importing.dialect import insert_events
from workflows.importing.staging import PROBLEMS, ROWS, TOUCHED
from workflows.importing.status import change_code, status_evidence
from workflows.importing.writer import Writer

# (field, kind, optional): an optional field left blank in the file keeps the stored value.
COMPARED = (("name", "text", False), ("legal_form", "text", False), ("district_code", "text", False),
            ("industry", "text", False), ("registered_on", "date", False), ("tags", "json", True),
            ("tech_sme", "bool", True), ("high_tech", "bool", True))
# 登记状态 and the list markers of an existing firm change as status changes (workflows.firm_status): one
# `status_change` event each, dated the day of the run, its source the file — never as a plain edit.
MARKERS = (("status", "text", False), ("abnormal", "bool", True), ("serious_violation", "bool", True))
SOURCE_MAX = 100
CHANGED = "(changes IS NOT NULL OR marks IS NOT NULL)"
# A new firm's `create` event carries what workflows.firms.create_firm records, built while the row is
# checked (validate.RowValidator._finish_firms: cheaper in Python than in SQL at a million rows).
CREATED = ("uscc", "name", "legal_form", "stage", "district_code", "industry", "registered_on", "status", "tags",
           "size_class")
LEGAL_FORM_NOTICE = ("'组织形式由“' || f.legal_form || '”变为“' || s.legal_form || '”：已记录并提示核实；"
                     "企业所处阶段未改变（阶段只能通过升级案件变更），如需要请发起相应的升级案件'")


class FirmsWriter(Writer):
    def prepare(self) -> None:
        sql = self.sql
        changes = sql.nonempty(sql.obj(self._pairs(COMPARED), strip=True))
        marks = sql.nonempty(sql.obj(self._pairs(MARKERS), strip=True))
        sql.run(f"UPDATE {ROWS} AS s SET changes = {changes}, marks = {marks},"
                f" flag = CASE WHEN f.legal_form <> s.legal_form THEN 'legal_form_changed' END"
                f" FROM firms f WHERE f.id = s.firm_id AND s.ok")
        sql.run(f"INSERT INTO {PROBLEMS} (line, col, value, message, severity)"
                f" SELECT s.line, :col, s.legal_form, {LEGAL_FORM_NOTICE}, 'notice'"
                f" FROM {ROWS} s JOIN firms f ON f.id = s.firm_id WHERE s.ok AND s.flag = 'legal_form_changed'",
                col=self.headers.get("legal_form", "组织形式"))

    def _pairs(self, fields) -> list[tuple[str, str]]:
        """(field, SQL for its [old, new] JSON pair when the row changes it, else NULL)."""
        sql, pairs = self.sql, []
        for field, kind, optional in fields:
            old, new = f"f.{field}", f"s.{field}"
            pairs.append((field, f"CASE WHEN {self._changed(field, kind, optional)} THEN "
                                 f"{sql.pair(sql.json_value(old, kind), sql.json_value(new, kind))} END"))
        return pairs

    def _changed(self, field: str, kind: str, optional: bool) -> str:
        old, new = f"f.{field}", f"s.{field}"
        changed = self.sql.differs(old, new) if kind != "json" else f"NOT {self.sql.same_json(old, new)}"
        return f"{new} IS NOT NULL AND {changed}" if optional else changed

    def _status_changes(self) -> None:
        """Each changed marker of an existing firm as the status change `mark_status` would record."""
        sql, params = self.sql, self.params
        source = f"导入文件“{self.filename}”"[:SOURCE_MAX]
        day = "CAST(:effective_on AS DATE)" if sql.pg else ":effective_on"  # SQLite keeps dates as ISO text
        for field, kind, optional in MARKERS:
            pair = sql.pair(sql.json_value(f"f.{field}", kind), sql.json_value(f"s.{field}", kind))
            evidence = status_evidence(self, change=change_code(field, f"s.{field}"), effective_on=day,
                                       source="CAST(:status_source AS VARCHAR(100))", changes=sql.obj([(field, pair)]))
            insert_events(sql, action="status_change", source=f"{ROWS} s JOIN firms f ON f.id = s.firm_id",
                          where=f"s.ok AND s.marks IS NOT NULL AND {self._changed(field, kind, optional)}",
                          evidence=evidence, effective_on=self.today.isoformat(), status_source=source, **params)

    def counts(self) -> tuple[int, int, int]:
        """New rows keep firm_id NULL in staging (their events join the inserted firms by USCC)."""
        return self.sql.run(
            f"SELECT COALESCE(SUM(CASE WHEN firm_id IS NULL THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN firm_id IS NOT NULL AND {CHANGED} THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN firm_id IS NOT NULL AND NOT {CHANGED} THEN 1 ELSE 0 END), 0)"
            f" FROM {ROWS} WHERE ok").one()

    def write(self) -> None:
        sql, params = self.sql, self.params
        insert_events(sql, action="update", source=f"{ROWS} s", where="s.ok AND s.changes IS NOT NULL",
                      evidence=sql.obj([("changes", "s.changes"), ("flag", sql.json_value("s.flag", "text", omit_null=True)),
                                        self.run_ref, self.line_ref], strip=True), **params)
        self._status_changes()
        sql.run(f"INSERT INTO {TOUCHED} (firm_id) SELECT s.firm_id FROM {ROWS} s JOIN firms f ON f.id = s.firm_id"
                f" WHERE s.ok AND s.changes IS NOT NULL AND s.industry <> f.industry")
        assign = ", ".join(
            f"{field} = COALESCE({sql.text_to_json('s.tags') if kind == 'json' else 's.' + field}, firms.{field})"
            if optional else f"{field} = s.{field}" for field, kind, optional in (*COMPARED, *MARKERS))
        sql.run(f"UPDATE firms SET {assign}, updated_at = :now FROM {ROWS} s"
                f" WHERE s.firm_id = firms.id AND s.ok AND {CHANGED.replace('changes', 's.changes').replace('marks', 's.marks')}",
                now=params["now"])
        columns = [*CREATED, "abnormal", "serious_violation", "tech_sme", "high_tech"]
        values = [f"COALESCE({sql.text_to_json('s.tags')}, {sql.text_to_json(repr('[]'))})" if name == "tags"
                  else f"COALESCE(s.{name}, FALSE)" if name in ("abnormal", "serious_violation", "tech_sme", "high_tech")
                  else f"s.{name}" for name in columns]
        sql.run(f"INSERT INTO firms ({', '.join(columns)}, created_at, updated_at)"
                f" SELECT {', '.join(values)}, :now, :now FROM {ROWS} s WHERE s.ok AND s.firm_id IS NULL",
                now=params["now"])
        insert_events(sql, action="create", source=f"{ROWS} s JOIN firms n ON n.uscc = s.uscc", firm="n.id",
                      where="s.ok AND s.firm_id IS NULL", evidence=sql.obj([("changes", "s.created"), self.run_ref,
                                                                             self.line_ref]), **params)
        self.resize()
