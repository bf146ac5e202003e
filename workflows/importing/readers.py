"""Opening an import file as a `Table` (table.py): one header row, then (line, values) for each data row.

One interface, several formats: READERS maps a format to its reader, and a file's format is found from
its content (`sniff`), its name only where the content cannot tell (a text file):
- .xlsx (read_xlsx.py: openpyxl, streamed; hidden rows and merged cells found in the sheet's XML),
- .ods and .xls (read_calamine.py: python-calamine),
- .csv and tab-separated .txt (read_csv.py).
EXTENSIONS lists the names the upload page and the command line accept, from the same table.

Line numbers are what the officer sees: the sheet's row number, or for a CSV the record number. Blank
rows are skipped but keep their numbers. The header need not be the first row (table.py: title rows).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from workflows.importing.read_calamine import XLS_NOTICE, open_ods, open_xls
from workflows.importing.read_csv import CSV_NOTICE, detect_encoding, open_csv
from workflows.importing.read_xlsx import open_xlsx
from workflows.importing.table import FileProblem, Table, is_blank

__all__ = ["EXTENSIONS", "FILE_NOTICES", "READERS", "FileProblem", "Table", "detect_encoding", "is_blank",
           "open_table", "sniff"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

Reader = Callable[[Path, Callable[[Sequence], bool]], Table]
READERS: dict[str, Reader] = {"xlsx": open_xlsx, "ods": open_ods, "xls": open_xls, "csv": open_csv}
# file name extension -> format, for what the name may claim (and the upload form's accept= list)
EXTENSIONS: dict[str, str] = {".xlsx": "xlsx", ".xlsm": "xlsx", ".ods": "ods", ".xls": "xls", ".csv": "csv",
                              ".txt": "csv"}
# What the report says about a whole file of a format, whatever its rows.
FILE_NOTICES: dict[str, str] = {"csv": CSV_NOTICE, "xls": XLS_NOTICE}
_WRONG_CONTENT = {"xlsx": "文件扩展名为.xlsx，但内容不是有效的Excel文件",
                  "ods": "文件扩展名为.ods，但内容不是有效的OpenDocument表格文件",
                  "xls": "文件扩展名为.xls，但内容不是有效的Excel 97–2003文件"}


def sniff(path: Path) -> str:
    """The file's format by its content: a zip holding an OpenDocument mimetype is .ods, another zip .xlsx,
    an OLE container .xls (calamine reads BIFF; an encrypted .xlsx is also OLE, and is refused there),
    anything else text, unless its name claims a workbook."""
    with open(path, "rb") as handle:
        magic = handle.read(8)
    if magic.startswith(ZIP_MAGIC):
        return "ods" if _is_ods(path) else "xlsx"
    if magic.startswith(OLE_MAGIC):
        return "xls"
    claimed = EXTENSIONS.get(path.suffix.lower(), "csv")
    if claimed != "csv":
        raise FileProblem(_WRONG_CONTENT[claimed])
    return "csv"


def open_table(path: str | Path, looks_like_header: Callable[[Sequence], bool] = lambda cells: True) -> Table:
    path = Path(path)
    return READERS[sniff(path)](path, looks_like_header)


def _is_ods(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "mimetype" in archive.namelist() and archive.read("mimetype").strip() == ODS_MIMETYPE
    except zipfile.BadZipFile:
        return False
