"""Writing the `indicators` kind set-wise: upsert by (USCC, year), then 划型 for the firms whose inputs changed.

A changed figure gets an `indicators_update` event per firm and year with {"year", "changes"} (money as text
in 万元, old and new), as `workflows.firms.put_indicators` records it. A new row gets no event: it points at
its run (`import_run_id`, migration 0015), which records who imported which file (name, SHA-256) when, and
the firm's history shows it as the row's creation (`workflows.provenance`). Why: a year's file inserts
millions of rows, and an event per row repeated every figure a second time — about half the write phase
(README "Imports"). Unlike the API's PUT, a blank cell keeps the stored figure: statistics and tax files each
carry only their own columns.
"""

from __future__ import annotations

from workflows.importing.dialect import insert_events
from workflows.importing.staging import ROWS, SIZES, TOUCHED
from workflows.importing.writer import RESIZE_COMMENT, Writer
from workflows.rules.size_class import INPUTS as SIZE_INPUTS

FIGURES = (("revenue", "money"), ("tax", "money"), ("profit", "money"), ("employees", "int"),
           ("rd_expense", "money"), ("rd_staff", "int"), ("total_assets", "money"), ("export", "money"))


class IndicatorsWriter(Writer):
    def prepare(self) -> None:
        sql = self.sql
        sql.run(f"UPDATE {ROWS} AS s SET ind_id = a.id FROM annual_indicators a"
                f" WHERE a.firm_id = s.firm_id AND a.year = s.year AND s.ok")
        pairs = [(name, f"CASE WHEN s.{name} IS NOT NULL AND {sql.differs(f'a.{name}', f's.{name}')} THEN "
                        f"{sql.pair(sql.json_value(f'a.{name}', kind), sql.json_value(f's.{name}', kind))} END")
                 for name, kind in FIGURES]
        sql.run(f"UPDATE {ROWS} AS s SET changes = {sql.nonempty(sql.obj(pairs, strip=True))}"
                f" FROM annual_indicators a WHERE a.id = s.ind_id AND s.ok")

    def counts(self) -> tuple[int, int, int]:
        """New rows keep ind_id NULL in staging, before and after the write."""
        return self.sql.run(
            f"SELECT COALESCE(SUM(CASE WHEN ind_id IS NULL THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN ind_id IS NOT NULL AND changes IS NOT NULL THEN 1 ELSE 0 END), 0),"
            f" COALESCE(SUM(CASE WHEN ind_id IS NOT NULL AND changes IS NULL THEN 1 ELSE 0 END), 0)"
            f" FROM {ROWS} WHERE ok").one()

    def write(self) -> None:
        """Figures first, then 划型, then the events: a firm whose class changes carries the change in the
        event of the latest year this run changed for it (`firm_changes`, as put_indicators records it);
        when that year's row is new (no event), the class change gets an `update` event of its own."""
        sql, params = self.sql, self.params
        assign = ", ".join(f"{name} = COALESCE(s.{name}, annual_indicators.{name})" for name, _kind in FIGURES)
        sql.run(f"UPDATE annual_indicators SET {assign}, updated_at = :now FROM {ROWS} s"
                f" WHERE s.ind_id = annual_indicators.id AND s.ok AND s.changes IS NOT NULL", now=params["now"])
        names = ", ".join(name for name, _kind in FIGURES)
        sql.run(f"INSERT INTO annual_indicators (firm_id, year, {names}, updated_at, import_run_id)"
                f" SELECT s.firm_id, s.year, {', '.join('s.' + n for n, _k in FIGURES)}, :now, :run_id FROM {ROWS} s"
                f" WHERE s.ok AND s.ind_id IS NULL", now=params["now"], run_id=params["run_id"])
        self._touch()
        self.resize(events=False)
        firm_changes = f"CASE WHEN z.firm_id IS NOT NULL AND t.line = s.line THEN {self.size_change()} ELSE '{{}}' END"
        source = (f"{ROWS} s LEFT JOIN {TOUCHED} t ON t.firm_id = s.firm_id"
                  f" LEFT JOIN {SIZES} z ON z.firm_id = s.firm_id")
        evidence = sql.obj([("year", "CAST(s.year AS TEXT)"), ("changes", "s.changes"),
                            ("firm_changes", firm_changes), self.run_ref, self.line_ref])
        insert_events(sql, action="indicators_update", source=source, where="s.ok AND s.changes IS NOT NULL",
                      evidence=evidence, **params)
        # A new 划型 whose firm's latest written row is new (so has no event to ride on): an event of its own.
        evidence = sql.obj([("changes", self.size_change()), self.run_ref, self.line_ref])
        insert_events(sql, action="update", source=f"{SIZES} z JOIN {TOUCHED} t ON t.firm_id = z.firm_id"
                      f" JOIN {ROWS} s ON s.line = t.line", where="s.ind_id IS NULL", firm="z.firm_id",
                      evidence=evidence, **{**params, "comment": f"{params['comment']}：{RESIZE_COMMENT}"})

    def _touch(self) -> None:
        """The firms whose 划型 inputs changed: a written row (new, or a changed 从业人员, 营业收入 or 资产总额)
        that is the firm's latest year. Each with the line of that row, where its event carries the new class."""
        inputs = " OR ".join(f"s.changes LIKE '%\"{name}\":%'" for name in SIZE_INPUTS)
        self.sql.run(
            f"INSERT INTO {TOUCHED} (firm_id, line) SELECT firm_id, line FROM (SELECT s.firm_id, s.line, s.year,"
            f" ROW_NUMBER() OVER (PARTITION BY s.firm_id ORDER BY s.year DESC) AS n FROM {ROWS} s"
            f" WHERE s.ok AND (s.ind_id IS NULL OR {inputs})) x"
            f" WHERE n = 1 AND NOT EXISTS (SELECT 1 FROM annual_indicators a WHERE a.firm_id = x.firm_id"
            f" AND a.year > x.year)")
