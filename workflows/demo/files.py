"""`flask demo files DIR`: sample import files a new user can import at once, matching the demo register.

Written (import them in this order; `说明.txt` in DIR says the same):

- `firms.xlsx` (企业登记信息): new firms across the districts, and rows for a few existing firms of the
  register that mark them 科技型中小企业 (the import reports them as updated);
- `firms_gbk.csv`: more new firms, as Chinese Excel saves "CSV (逗号分隔)": GBK, CRLF, dates like 2024/3/5;
- `indicators.csv` (年度指标, UTF-8 with BOM, money in 万元): last year's figures for every new firm, a raise
  of revenue for some existing firms (updated) and the unchanged figures of others (unchanged);
- `status.csv` (状态变更): the daily feed: firms entering and leaving the 经营异常名录, one 注销;
- `firms_errors.xlsx`: a file with a mistake on most rows (check digit, a USCC stored as a number, a retired
  district, an impossible date, a duplicate, an unknown 组织形式 or 登记状态), to see the report; with
  "仅导入无误的行" its valid rows are imported.

New codes are valid GB 32100 codes not in the register; the existing firms are read from the database
(the first suitable ones by id, so the demo seed gives the same files every time). On an empty register
the files hold new firms only. Headers are the import templates' (`workflows.importing.columns`).
Reads only; nothing is written to the database.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select

from models import AnnualIndicator, District, Firm
from models.enums import TAG_LABELS, FirmStatus, Stage
from workflows.importing.columns import FIRMS, INDICATORS, STATUS
from workflows.rules.uscc import CHARSET, make_uscc

NEW_FIRMS, NEW_GBK_FIRMS, UPDATED = 26, 10, 5
WORDS = ("智能科技", "信息技术", "精密机械", "新材料", "生物科技", "文化传媒", "电子商务", "环保科技", "食品", "服饰")
BRANDS = ("云帆", "启明", "禾丰", "青柚", "远航", "知行", "拾光", "澄川", "星野", "木言", "南枝", "望舒", "栖云")
INDUSTRIES = ("I65", "C39", "C34", "C29", "M73", "R86", "F52", "N77", "C13", "C18")
TAGS = ("information", "information", "equipment", "equipment", "health", "culture", "information",
        "environment", "", "fashion")
FORMS = ("有限责任公司", "有限责任公司", "有限责任公司", "个人独资企业", "合伙企业", "个体工商户")
SOURCES = ("国家企业信用信息公示系统", "登记系统")


@dataclass(frozen=True)
class DemoFile:
    path: Path
    kind: str
    rows: int
    note: str

    def describe(self) -> str:
        return f"{LABELS[self.kind]}，{self.rows} 行：{self.note}"


LABELS = {"firms": "企业登记信息", "indicators": "年度指标", "status": "状态变更"}


def _body(n: int) -> str:
    chars = []
    for _ in range(6):
        n, digit = divmod(n, len(CHARSET))
        chars.append(CHARSET[digit])
    return "MA" + "".join(reversed(chars))


TOP = 31 ** 6 - 1  # bodies are counted down from the top of the range the demo seed draws from at random


def _new_codes(session, districts: list[str], forms: list[str], start: int) -> list[str]:
    """Valid codes for new firms (92 for 个体工商户), none of them already in the register."""
    codes, n = [], start
    while len(codes) < len(districts):
        batch = []
        for district, form in zip(districts[len(codes):], forms[len(codes):], strict=True):
            batch.append(make_uscc("92" if form == "个体工商户" else "91", district, _body(n)))
            n -= 1
        taken = set(session.scalars(select(Firm.uscc).where(Firm.uscc.in_(batch))))
        codes += [c for c in batch if c not in taken]
    return codes


def _new_firms(session, count: int, offset: int, today: date) -> list[dict]:
    districts = [row for row in session.execute(select(District.code, District.name).order_by(District.sort_order))]
    picks = [districts[(offset + i) % len(districts)] for i in range(count)]
    forms = [FORMS[(offset + i) % len(FORMS)] for i in range(count)]
    codes = _new_codes(session, [code for code, _ in picks], forms, TOP - 1000 * offset)
    firms = []
    for i, ((_, district), form, code) in enumerate(zip(picks, forms, codes, strict=True)):
        k = offset + i
        word, brand = WORDS[k % len(WORDS)], BRANDS[k % len(BRANDS)]
        short = district[:-1] if len(district) > 2 else district
        if form == "个体工商户":
            name = f"{district}{brand}{word}店"
        elif form == "个人独资企业":
            name = f"杭州{short}{brand}{word}商行"
        elif form == "合伙企业":
            name = f"杭州{brand}{word}合伙企业（有限合伙）"
        else:
            name = f"杭州{short}{brand}{word}有限公司"
        tag = TAGS[k % len(TAGS)]
        firms.append({
            "uscc": code, "name": name, "legal_form": form, "district": district,
            "industry": "F52" if form == "个体工商户" else INDUSTRIES[k % len(INDUSTRIES)],
            "registered_on": min(date(2022, 1, 8) + timedelta(days=23 * k), today - timedelta(days=30)),
            "status": "存续", "tags": TAG_LABELS[tag] if tag else "", "abnormal": "否", "serious_violation": "否",
            "tech_sme": "是" if k % 4 == 0 and form != "个体工商户" else "否", "high_tech": "否",
        })
    return firms


def _as_row(firm: Firm) -> dict:
    """An existing firm's row marking it 科技型中小企业: the other optional cells blank ("not given": the
    register keeps its values), so the row says only what changed, as a list from the science bureau would."""
    return {
        "uscc": firm.uscc, "name": firm.name, "legal_form": firm.legal_form, "district": firm.district.name,
        "industry": firm.industry, "registered_on": firm.registered_on, "status": "存续", "tags": None,
        "abnormal": None, "serious_violation": None, "tech_sme": "是", "high_tech": None,
    }


def _existing(session, limit: int, **where) -> list[Firm]:
    stmt = (select(Firm).where(Firm.status == FirmStatus.ACTIVE, Firm.registered_on.is_not(None)).filter_by(**where)
            .order_by(Firm.id).limit(limit))
    return list(session.scalars(stmt))


def _figures(k: int) -> dict:
    revenue = 180 + 37 * k
    return {"revenue": f"{revenue:.2f}", "tax": f"{revenue * 0.04:.2f}", "profit": f"{revenue * (0.08 - k % 5 * 0.03):.2f}",
            "employees": 6 + k % 30, "rd_expense": f"{revenue * 0.03:.2f}" if k % 3 == 0 else "0",
            "rd_staff": k % 4, "total_assets": f"{revenue * 0.9:.2f}", "export": "0"}


def _write_xlsx(path: Path, layout, rows: list[list]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "数据"
    sheet.append([c.template_header() for c in layout.columns])
    for row in rows:
        sheet.append(row)
    for cell in sheet["A"][1:]:
        if isinstance(cell.value, str):
            cell.number_format = "@"  # the USCC column as text, as the template has it
    for cell in sheet["F"][1:]:
        if isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 22, 34
    book.save(path)


def _firm_values(firm: dict, date_text=None) -> list:
    values = [firm[c.field] for c in FIRMS.columns]
    if date_text is not None:
        values[5] = date_text(firm["registered_on"])
    return values


def _write_csv(path: Path, header: list[str], rows: list[list], *, encoding: str) -> None:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_demo_files(session, directory: Path, *, today: date) -> list[DemoFile]:
    directory.mkdir(parents=True, exist_ok=True)
    year = today.year - 1
    files = []

    new = _new_firms(session, NEW_FIRMS, 0, today)
    updated = _existing(session, UPDATED, stage=Stage.ENTERPRISE, tech_sme=False)
    _write_xlsx(directory / "firms.xlsx", FIRMS, [_firm_values(f) for f in new] + [_firm_values(_as_row(f)) for f in updated])
    files.append(DemoFile(directory / "firms.xlsx", "firms", len(new) + len(updated),
                          f"{len(new)} 家新企业；{len(updated)} 家已有企业改标为科技型中小企业（更新）"))

    gbk = _new_firms(session, NEW_GBK_FIRMS, NEW_FIRMS, today)
    _write_csv(directory / "firms_gbk.csv", [c.header for c in FIRMS.columns],
               [_firm_values(f, lambda d: f"{d.year}/{d.month}/{d.day}") for f in gbk], encoding="gbk")
    files.append(DemoFile(directory / "firms_gbk.csv", "firms", len(gbk),
                          f"{len(gbk)} 家新企业，GBK 编码的 CSV（Excel 中文版“CSV（逗号分隔）”的默认格式）"))

    files.append(_indicators(session, directory, new + gbk, year))
    files.append(_status(session, directory, new, today))
    files.append(_errors(directory, new))
    (directory / "说明.txt").write_text(_readme(files), encoding="utf-8-sig")
    return files


def _indicators(session, directory: Path, new: list[dict], year: int) -> DemoFile:
    fields = [c.field for c in INDICATORS.columns]
    rows = [[f["uscc"], year, *(_figures(k)[field] for field in fields[2:])] for k, f in enumerate(new)]
    stmt = (select(Firm.uscc, AnnualIndicator).join(AnnualIndicator, AnnualIndicator.firm_id == Firm.id)
            .where(AnnualIndicator.year == year, Firm.status == FirmStatus.ACTIVE, Firm.stage == Stage.ENTERPRISE,
                   AnnualIndicator.revenue.is_not(None)).order_by(Firm.id).limit(6))
    raised = unchanged = 0
    for i, (code, figures) in enumerate(session.execute(stmt)):
        values = {f: getattr(figures, f) for f in fields[2:]}
        if i % 2 == 0:
            values["revenue"] = (figures.revenue * 11 / 10).quantize(figures.revenue)
            raised += 1
        else:
            unchanged += 1
        rows.append([code, year, *("" if values[f] is None else str(values[f]) for f in fields[2:])])
    _write_csv(directory / "indicators.csv", [c.template_header() for c in INDICATORS.columns], rows,
               encoding="utf-8-sig")
    return DemoFile(directory / "indicators.csv", "indicators", len(rows),
                    f"{len(new)} 家新企业 {year} 年指标（须先导入两份企业文件）；"
                    f"{raised} 家已有企业营业收入上调 10%（更新），{unchanged} 家与库中一致（未变）")


def _status(session, directory: Path, new: list[dict], today: date) -> DemoFile:
    day = (today - timedelta(days=3)).isoformat()
    rows = []
    listed = _existing(session, 2, abnormal=False, stage=Stage.ENTERPRISE)
    leaving = _existing(session, 1, abnormal=True)
    closing = _existing(session, 1, abnormal=False, stage=Stage.INDIVIDUAL)
    rows += [[f.uscc, "列入经营异常名录", day, SOURCES[0]] for f in listed]
    rows += [[f.uscc, "移出经营异常名录", day, SOURCES[0]] for f in leaving]
    rows += [[f.uscc, "注销", day, SOURCES[1]] for f in closing]
    note = f"已有企业：{len(listed)} 家列入经营异常名录，{len(leaving)} 家移出，{len(closing)} 家注销"
    if not rows:  # an empty register: changes to the new firms (import firms.xlsx first)
        rows = [[new[0]["uscc"], "列入经营异常名录", day, SOURCES[0]], [new[1]["uscc"], "注销", day, SOURCES[1]]]
        note = "库中尚无企业：对 firms.xlsx 中的两家新企业各一项变更（须先导入 firms.xlsx）"
    _write_csv(directory / "status.csv", [c.header for c in STATUS.columns], rows, encoding="utf-8-sig")
    return DemoFile(directory / "status.csv", "status", len(rows), note)


def _errors(directory: Path, new: list[dict]) -> DemoFile:
    """Each row but the valid ones carries one mistake an officer meets in real files."""
    body = lambda i: _body(TOP - 500 - i)  # noqa: E731
    good = [dict(f, uscc=make_uscc("91", "330106", body(i)), name=f"杭州示范{i + 1}号科技有限公司", district="西湖区",
                 legal_form="有限责任公司", industry="I65") for i, f in enumerate(new[:2])]
    base = dict(good[0], name="杭州错误示范有限公司")
    code = make_uscc("91", "330106", body(10))
    wrong_check = code[:-1] + ("0" if code[-1] != "0" else "1")
    rows = [
        _firm_values(good[0]),
        _firm_values(good[1]),
        _firm_values(dict(base, uscc=wrong_check)),  # check digit
        _firm_values(dict(base, uscc=913301060000000001.0)),  # a code Excel turned into a number
        _firm_values(dict(base, uscc=make_uscc("91", "330104", body(11)), district="江干区")),
        _firm_values(dict(base, uscc=make_uscc("91", "330106", body(12))), lambda d: "2021/13/40"),
        _firm_values(dict(base, uscc=make_uscc("91", "330106", body(15)), name="杭州重复代码有限公司")),
        _firm_values(dict(base, uscc=make_uscc("91", "330106", body(15)), name="杭州重复代码二有限公司")),
        _firm_values(dict(base, uscc=make_uscc("91", "330106", body(13)), legal_form="全民所有制企业")),
        _firm_values(dict(base, uscc=make_uscc("91", "330106", body(14)), status="营业")),
    ]
    _write_xlsx(directory / "firms_errors.xlsx", FIRMS, rows)
    return DemoFile(directory / "firms_errors.xlsx", "firms", len(rows),
                    f"带错误的示例：默认整份拒绝并生成错误报告；勾选“仅导入无误的行”则只导入其中无误的 {len(good)} 家")


def _readme(files: list[DemoFile]) -> str:
    lines = ["示例导入文件（由 flask --app wsgi demo files 生成）", "",
             "以市局工作人员（演示账号 city）登录，打开“数据导入”，按以下顺序选择导入类型并上传：", ""]
    lines += [f"{i}. {f.path.name}：{f.describe()}" for i, f in enumerate(files, 1)]
    lines += ["", "命令行：flask --app wsgi import firms firms.xlsx --as city（其余类推）。",
              "同一文件再次导入不会改变任何数据（全部计为未变）。"]
    return "\n".join(lines) + "\n"
