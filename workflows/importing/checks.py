"""Set-wise checks after loading: what one row cannot tell by itself.

- duplicates inside the file (every occurrence is reported, naming the first line: which of two rows
  is right is for the officer to say, so in partial mode neither is written);
- the firm a row refers to (indicators and status rows need a registered firm);
- a county officer's scope: a firm registered in another district cannot be changed, or moved, by a
  county import. For indicators and status the message is the same as for an unknown code, so a
  county import never reveals another district's firms;
- a status change dated before the firm was registered (as `workflows.firm_status` refuses it).

Each finding is a problem row in the staging problems table; the rows concerned are marked not ok.
"""

from __future__ import annotations

from workflows.importing.dialect import Sql
from workflows.importing.staging import PROBLEMS, ROWS

_KEYS = {"firms": ("uscc",), "indicators": ("uscc", "year"), "status": ("uscc", "field")}
_DUPLICATE_TEXT = {
    "firms": "'该统一社会信用代码'",
    "indicators": "'该企业' || CAST(s.year AS TEXT) || '年度的指标'",
    "status": "'该企业的' || CASE s.field WHEN 'status' THEN '登记状态' WHEN 'abnormal' THEN '经营异常名录'"
              " ELSE '严重违法失信名单' END || '变更'",
}
NOT_FOUND = "系统中没有该统一社会信用代码的企业，请先导入企业登记信息"
NOT_FOUND_COUNTY = "本区县没有该统一社会信用代码的企业（请先导入企业登记信息；其他区县的企业不能由本区县导入）"
MOVED_BY_COUNTY = "该企业已登记在其他区县：区县工作人员不能修改其他区县的企业，也不能变更企业的所属区县，请联系市局"


def run_checks(sql: Sql, kind: str, *, uscc_column: str, scope: str | None) -> None:
    if sql.pg:
        sql.run(f"ANALYZE {ROWS}")  # temporary tables are never analysed automatically
    sql.run(f"UPDATE {ROWS} SET firm_id = f.id FROM firms f WHERE f.uscc = {ROWS}.uscc")
    sql.run(f"CREATE INDEX imp_rows_key ON {ROWS} ({', '.join(_KEYS[kind])})")  # after the UPDATE: cheaper
    _duplicates(sql, kind, uscc_column)
    if kind == "firms":
        if scope:
            _problem(sql, "s.uscc", MOVED_BY_COUNTY, "s.firm_id IS NOT NULL AND f.district_code <> :scope",
                     column=uscc_column, scope=scope)
    else:
        message = NOT_FOUND_COUNTY if scope else NOT_FOUND
        outside = " OR f.district_code <> :scope" if scope else ""
        _problem(sql, "s.uscc", message, f"(s.firm_id IS NULL{outside})", column=uscc_column,
                 **({"scope": scope} if scope else {}))
    _mark_bad(sql)


def status_date_checks(sql: Sql, *, date_column: str) -> None:
    """A change cannot take effect before the firm existed (same rule as workflows.firm_status)."""
    _problem(sql, "CAST(s.effective_on AS TEXT)",
             "'生效日期不能早于成立日期（' || CAST(f.registered_on AS TEXT) || '）'",
             "s.ok AND f.registered_on IS NOT NULL AND s.effective_on < f.registered_on",
             column=date_column, literal=False)
    _mark_bad(sql)


def _duplicates(sql: Sql, kind: str, column: str) -> None:
    keys = _KEYS[kind]
    on = " AND ".join(f"d.{k} = s.{k}" for k in keys)
    sql.run(
        f"INSERT INTO {PROBLEMS} (line, col, value, message, severity)"
        f" SELECT s.line, :col, s.uscc, {_DUPLICATE_TEXT[kind]} || '在文件中出现' || CAST(d.n AS TEXT)"
        f" || '次（首次在第' || CAST(d.first AS TEXT) || '行），请只保留一行', 'error'"
        f" FROM {ROWS} s JOIN (SELECT {', '.join(keys)}, COUNT(*) AS n, MIN(line) AS first FROM {ROWS}"
        f" GROUP BY {', '.join(keys)} HAVING COUNT(*) > 1) d ON {on}",
        col=column)


def _problem(sql: Sql, value: str, message: str, where: str, *, column: str, literal: bool = True,
             **params) -> None:
    text = ":message" if literal else message
    extra = {"message": message} if literal else {}
    sql.run(
        f"INSERT INTO {PROBLEMS} (line, col, value, message, severity)"
        f" SELECT s.line, :col, {value}, {text}, 'error' FROM {ROWS} s LEFT JOIN firms f ON f.id = s.firm_id"
        f" WHERE {where}",
        col=column, **extra, **params)


def _mark_bad(sql: Sql) -> None:
    sql.run(f"UPDATE {ROWS} SET ok = FALSE WHERE ok AND line IN"
            f" (SELECT line FROM {PROBLEMS} WHERE severity = 'error' AND line IS NOT NULL)")
