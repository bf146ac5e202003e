"""What the three kinds' writers share: their inputs, and re-running 划型 for the firms a run touched.

划型 stays in Python (`workflows.rules.size_class`, the one implementation of the standard), fed by
`workflows.sizing` in keyset pages of firms with their latest year's figures, so it never holds more than a
page; only the firms whose class really changes are written back (set-wise) and audited.
"""

from __future__ import annotations

from workflows.importing.dialect import Sql, insert_events
from workflows.importing.staging import SIZES, TOUCHED, Staging, as_decimal
from workflows.sizing import pages

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
        sql = self.sql
        for changed in pages(sql.conn, f" JOIN {TOUCHED} t ON t.firm_id = f.id", as_decimal):
            self.staging.add_sizes(changed)
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
