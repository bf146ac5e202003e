"""What the three kinds' writers share: their inputs, and re-running 划型 for the firms a run touched.

划型 stays in Python (`workflows.rules.size_class`, the one implementation of the standard), fed in
keyset pages of 5,000 firms with their latest year's figures, so it never holds more than a page; only
the firms whose class really changes are written back (set-wise) and audited.
"""

from __future__ import annotations

from models.enums import SizeClass
from workflows.importing.dialect import Sql, insert_events
from workflows.importing.staging import SIZES, TOUCHED, Staging, as_decimal
from workflows.policy import default_policy
from workflows.rules.size_class import classify_size

PAGE = 5_000
RESIZE_COMMENT = "按导入的数据重新划型"


class Writer:
    def __init__(self, sql: Sql, staging: Staging, *, params: dict, headers: dict[str, str], today=None,
                 filename: str = ""):
        self.sql, self.staging = sql, staging
        self.today, self.filename = today, filename  # the run's Hangzhou date and file: a status change's date and source
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

    def resize(self, *, events: bool = True) -> int:
        """Recompute 划型 for the firms in the touched table into the sizes table and write the changes;
        with `events`, each change gets its own audit event (else the caller puts it in its own events).
        Returns how many firms changed class."""
        sql, policy, last = self.sql, default_policy(), 0
        rows_by_industry: dict[str, object] = {}  # the 划型 row of each industry, looked up once
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
                if industry not in rows_by_industry:
                    rows_by_industry[industry] = policy.classify_industry(industry)[0] if industry else None
                row = rows_by_industry[industry]
                # what size_class_for(policy, industry, latest) does, with the industry's row looked up once
                new = (classify_size(row, employees=employees, revenue=as_decimal(revenue),
                                     total_assets=as_decimal(assets)) if industry else SizeClass.UNKNOWN).value
                if new != old:
                    changed.append((firm_id, old, new))
            self.staging.add_sizes(changed)
            last = rows[-1][0]
        changed = sql.run(f"UPDATE firms SET size_class = z.new, updated_at = :now FROM {SIZES} z"
                          f" WHERE z.firm_id = firms.id", now=self.params["now"]).rowcount
        if events:
            evidence = sql.obj([("changes", self.size_change()), self.run_ref])
            params = {**self.params, "comment": f"{self.params['comment']}：{RESIZE_COMMENT}"}
            insert_events(sql, action="update", source=f"{SIZES} z", where="TRUE", firm="z.firm_id",
                          evidence=evidence, **params)
        return changed

    def size_change(self) -> str:
        """{"size_class": [old, new]} of the sizes table's row `z`, as JSON text."""
        sql = self.sql
        return sql.obj([("size_class", sql.pair(sql.json_value("z.old", "text"), sql.json_value("z.new", "text")))])
