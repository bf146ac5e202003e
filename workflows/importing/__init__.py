"""Importing firm registrations, annual figures and status feeds from .xlsx / .csv files (DESIGN §9).

Plain Python, no Flask. The entry point is `execute_import` (run.py); the column layouts and the
downloadable template are in columns.py; readers.py streams files; validate.py checks one row;
staging.py, checks.py and the per-kind writers check and write set-wise in SQL; report.py writes the
rejection report. See run.py for the contract with callers (CLI, upload page, background runner).
"""

from workflows.importing.columns import LAYOUTS, write_template
from workflows.importing.run import Progress, can_import, execute_import, file_sha256, mark_failed, summary

__all__ = ["LAYOUTS", "Progress", "can_import", "execute_import", "file_sha256", "mark_failed", "summary",
           "write_template"]
