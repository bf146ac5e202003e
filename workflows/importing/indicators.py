"""Writing the `indicators` kind set-wise: upsert by (USCC, year), then 划型 for every firm touched.

Events mirror `workflows.firms.put_indicators`: `indicators_create` / `indicators_update` per firm and
year with {"year", "changes"} (money as text in 万元). Unlike the API's PUT, a blank cell keeps the
stored figure: statistics and tax files each carry only their own columns.
"""

from __future__ import annotations

from workflows.importing.dialect import insert_events
from workflows.importing.staging import ROWS, SIZES, TOUCHED
from workflows.importing.writer import Writer

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
        event of the latest year this run wrote for it (`firm_changes`, as put_indicators records it),
        rather than in a second event per firm."""
        sql, params = self.sql, self.params
        assign = ", ".join(f"{name} = COALESCE(s.{name}, annual_indicators.{name})" for name, _kind in FIGURES)
        sql.run(f"UPDATE annual_indicators SET {assign}, updated_at = :now FROM {ROWS} s"
                f" WHERE s.ind_id = annual_indicators.id AND s.ok AND s.changes IS NOT NULL", now=params["now"])
        names = ", ".join(name for name, _kind in FIGURES)
        sql.run(f"INSERT INTO annual_indicators (firm_id, year, {names}, updated_at)"
                f" SELECT s.firm_id, s.year, {', '.join('s.' + n for n, _k in FIGURES)}, :now FROM {ROWS} s"
                f" WHERE s.ok AND s.ind_id IS NULL", now=params["now"])
        written = "ok AND (ind_id IS NULL OR changes IS NOT NULL)"
        sql.run(f"INSERT INTO {TOUCHED} (firm_id, line) SELECT firm_id, line FROM (SELECT firm_id, line,"
                f" ROW_NUMBER() OVER (PARTITION BY firm_id ORDER BY year DESC) AS n FROM {ROWS} WHERE {written}) x"
                f" WHERE n = 1")
        self.resize(events=False)
        firm_changes = f"CASE WHEN z.firm_id IS NOT NULL AND t.line = s.line THEN {self.size_change()} ELSE '{{}}' END"
        source = (f"{ROWS} s LEFT JOIN {TOUCHED} t ON t.firm_id = s.firm_id"
                  f" LEFT JOIN {SIZES} z ON z.firm_id = s.firm_id")
        for action, changes, where in (("indicators_update", "s.changes", "s.changes IS NOT NULL"),
                                       ("indicators_create", "s.created", "s.ind_id IS NULL")):
            evidence = sql.obj([("year", "CAST(s.year AS TEXT)"), ("changes", changes),
                                ("firm_changes", firm_changes), self.run_ref, self.line_ref])
            insert_events(sql, action=action, source=source, where=f"s.ok AND {where}", evidence=evidence, **params)
