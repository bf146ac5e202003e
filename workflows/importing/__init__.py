"""Importing firm registrations, annual figures and status feeds from .xlsx / .ods / .xls / .csv files (DESIGN §9).

Plain Python, no Flask. The entry point is `execute_import` (run.py); the column layouts and the
downloadable template are in columns.py; readers.py opens a file by its format (read_xlsx.py,
read_calamine.py, read_csv.py) and table.py finds the header below any title rows; validate.py checks one
row (cells normalised, totals rows skipped); plausible.py adds the file's notices and the warnings about
implausible figures; settings.py reads the imports' policy data (registry wordings, bounds);
staging.py, checks.py and the per-kind writers check and write set-wise in SQL; report.py writes the
rejection report. See run.py for the contract with callers (CLI, upload page, background runner).
"""

from workflows.importing.columns import LAYOUTS, write_template
from workflows.importing.run import Progress, can_import, execute_import, file_sha256, mark_failed, summary

__all__ = ["LAYOUTS", "Progress", "can_import", "execute_import", "file_sha256", "mark_failed", "summary",
           "write_template"]
