"""What the three kinds' writers share: their inputs, and re-running 划型 for the firms a run touched.

划型 stays in Python (`workflows.rules.size_class`, the one implementation of the standard), fed in
keyset pages of 5,000 firms with their latest year's figures, so it never holds more than a page; only
the firms whose class really changes are written back (set-wise) and audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.importing.dialect import Sql, insert_events
from workflows.importing.staging import SIZES, TOUCHED, Staging, as_decimal
from workflows.policy import default_policy
from workflows.rules.size_class import size_class_for

PAGE = 5_000
RESIZE_COMMENT = "按导入的数据重新划型"


@dataclass(slots=True)
class _Figures:
    employees: int | None
    revenue: object
    total_assets: object


class Writer:
    def __init__(self, sql: Sql, staging: Staging, *, params: dict, headers: dict[str, str]):
        self.sql, self.staging = sql, staging
        self.params = params  # run_id, actor_id, actor_name, now, comment: what every audit event carries
        self.headers = headers  # field -> the header as written in the file, for report rows
        self.run_ref = ("import_run", str(int(params["run_id"])))  # evidence: which run, and which line
        self.line_ref = ("line", "CAST(s.line AS TEXT)")

    def prepare(self) -> None:
        """Compute each staged row's changes (staging only: also what a dry run reports)."""
        raise NotImplementedError

    def counts(self) -> tuple[int, int, int]:
        """(inserted, updated, unchanged) among the valid rows: what would be, or was, written."""
        raise NotImplementedError

    def write(self) -> None:
        raise NotImplementedError

    def resize(self) -> int:
        """Recompute 划型 for the firms in the touched table; returns how many changed class."""
        sql, policy, last = self.sql, default_policy(), 0
        while True:
            rows = sql.run(
                f"SELECT f.id, f.industry, f.size_class, a.employees, a.revenue, a.total_assets"
                f" FROM {TOUCHED} t JOIN firms f ON f.id = t.firm_id"
                f" LEFT JOIN annual_indicators a ON a.firm_id = f.id"
                f" AND a.year = (SELECT MAX(m.year) FROM annual_indicators m WHERE m.firm_id = f.id)"
                f" WHERE t.firm_id > :last ORDER BY t.firm_id LIMIT {PAGE}", last=last).all()
            if not rows:
                break
            changed = []
            for firm_id, industry, old, employees, revenue, assets in rows:
                figures = _Figures(employees, as_decimal(revenue), as_decimal(assets))
                new = size_class_for(policy, industry, figures).value
                if new != old:
                    changed.append((firm_id, old, new))
            self.staging.add_sizes(changed)
            last = rows[-1][0]
        sql.run(f"UPDATE firms SET size_class = z.new, updated_at = :now FROM {SIZES} z WHERE z.firm_id = firms.id",
                now=self.params["now"])
        pair = sql.pair(sql.json_value("z.old", "text"), sql.json_value("z.new", "text"))
        evidence = sql.obj([("changes", sql.obj([("size_class", pair)])), self.run_ref])
        params = {**self.params, "comment": f"{self.params['comment']}：{RESIZE_COMMENT}"}
        return insert_events(sql, action="update", source=f"{SIZES} z", where="TRUE", firm="z.firm_id",
                             evidence=evidence, **params)
