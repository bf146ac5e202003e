"""Export rows: the list's filters, scope and order, values written the way an officer (and an import) reads them."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from models import Pool
from workflows.errors import NotFound, ValidationFailed
from workflows.exporting import (
    EXPORTS,
    FIRM_COLUMNS,
    check_pool,
    clean_params,
    count_rows,
    iter_rows,
    write_csv,
)
from workflows.firms import create_firm, put_indicators
from workflows.rules.uscc import make_uscc

XIHU, SHANGCHENG = "330106", "330102"


def _firm(session, users, now, name, body, district=XIHU, indicators=None, **extra):
    data = {"uscc": make_uscc("91", district, body), "name": name, "legal_form": "有限责任公司",
            "district": district, "industry": "C39", "registered_on": "2019-05-20", **extra}
    firm = create_firm(session, data, actor=users["city"], now=now)
    for year, figures in (indicators or {}).items():
        put_indicators(session, firm, year, figures, actor=users["city"], now=now)
    return firm


@pytest.fixture
def three(session, users, now):
    a = _firm(session, users, now, "杭州甲精密机械有限公司", "MA2EXP01", tags=["equipment", "information"],
              high_tech=True, indicators={2024: {"revenue": "1200.5", "profit": "-3.25", "employees": 30},
                                          2025: {"revenue": "1500", "employees": 35}})
    b = _firm(session, users, now, "杭州乙便利店", "MA2EXP02", legal_form="个体工商户", industry="F52",
              district=SHANGCHENG, indicators={2025: {"revenue": "80"}})
    c = _firm(session, users, now, "杭州丙科技有限公司", "MA2EXP03")
    session.commit()
    return a, b, c


def rows(session, kind, actor, args, now):
    return list(iter_rows(session, kind, actor, clean_params(kind, args, now=now)))


def test_every_column_has_a_chinese_header():
    for kind in EXPORTS.values():
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c.header) for c in kind.columns), kind.name


def test_firm_rows_in_list_order_with_labels(session, users, three, now):
    a, b, c = three
    got = rows(session, "firms", users["city"], {}, now)
    assert [r[0] for r in got] == [a.uscc, b.uscc, c.uscc]
    first = dict(zip([col.header for col in FIRM_COLUMNS], got[0], strict=True))
    assert first["企业名称"] == "杭州甲精密机械有限公司" and first["所属区县"] == "西湖区"
    assert first["成立日期"] == date(2019, 5, 20) and first["登记状态"] == "存续"
    assert first["八大万亿产业"] == "高端装备制造、信息经济"
    assert first["高新技术企业"] == "是" and first["经营异常"] == "否"
    assert first["阶梯阶段"] == "企业(规下)"
    assert got[1][2] == "个体工商户" and got[1][12] == "个体工商户"


def test_firm_filters_are_the_lists(session, users, three, now):
    a, b, c = three
    assert [r[1] for r in rows(session, "firms", users["city"], {"district": SHANGCHENG}, now)] == [b.name]
    assert [r[1] for r in rows(session, "firms", users["city"], {"stage": "individual"}, now)] == [b.name]
    assert [r[1] for r in rows(session, "firms", users["city"], {"q": "科技"}, now)] == [c.name]
    assert [r[1] for r in rows(session, "firms", users["city"], {"tags": "equipment"}, now)] == [a.name]
    assert [r[1] for r in rows(session, "firms", users["city"], {"high_tech": "true"}, now)] == [a.name]
    assert [r[1] for r in rows(session, "firms", users["city"], {"industry": "c"}, now)] == [a.name, c.name]
    assert count_rows(session, "firms", users["city"], clean_params("firms", {"industry": "C39"}, now=now)) == 2


def test_officer_exports_only_their_district(session, users, three, now):
    a, b, c = three
    assert [r[1] for r in rows(session, "firms", users["xihu"], {}, now)] == [a.name, c.name]
    assert rows(session, "firms", users["xihu"], {"district": SHANGCHENG}, now) == []
    assert [r[0] for r in rows(session, "indicators", users["shangcheng"], {}, now)] == [b.uscc]


def test_bad_filters_are_refused_in_chinese(now):
    with pytest.raises(ValidationFailed) as exc:
        clean_params("firms", {"stage": "giant", "abnormal": "maybe"}, now=now)
    assert set(exc.value.fields) == {"stage", "abnormal"}
    with pytest.raises(ValidationFailed) as exc:
        clean_params("indicators", {"year": "1899"}, now=now)
    assert exc.value.fields["year"] == "年度不能早于2000年"
    with pytest.raises(ValidationFailed) as exc:  # the year rule of the API and import: not a year to come
        clean_params("indicators", {"year": "2027"}, now=now)
    assert exc.value.fields["year"] == "年度不能晚于今年（2026）"
    assert clean_params("indicators", {"year": "2026"}, now=now)["year"] == 2026
    with pytest.raises(ValidationFailed) as exc:
        clean_params("members", {}, now=now)
    assert exc.value.fields["pool"] == "请指定培育库编号"
    with pytest.raises(ValidationFailed):
        clean_params("pools", {}, now=now)


def test_indicator_rows_per_firm_and_year(session, users, three, now):
    a, b, _ = three
    got = rows(session, "indicators", users["city"], {}, now)
    assert [(r[0], r[1]) for r in got] == [(a.uscc, 2024), (a.uscc, 2025), (b.uscc, 2025)]
    assert got[0][2] == Decimal("1200.50") and got[0][4] == Decimal("-3.25") and got[0][5] == 30
    assert got[0][10:] == ("杭州甲精密机械有限公司", "西湖区")
    assert [(r[0], r[1]) for r in rows(session, "indicators", users["city"], {"year": "2025"}, now)] == \
        [(a.uscc, 2025), (b.uscc, 2025)]
    assert rows(session, "indicators", users["city"], {"year": "2025", "stage": "individual"}, now)[0][0] == b.uscc


def test_member_rows_of_one_pool(session, users, now):
    from workflows.membership import MEMBERSHIP, nominate

    firm = _firm(session, users, now, "杭州丁新材料有限公司", "MA2EXP04",
                 indicators={2025: {"revenue": "900", "employees": 20, "total_assets": "500"}})
    other = _firm(session, users, now, "杭州戊食品有限公司", "MA2EXP05", district=SHANGCHENG,
                  indicators={2025: {"revenue": "700", "employees": 15, "total_assets": "400"}})
    xihu_pool = session.scalar(select(Pool).where(Pool.level == "county", Pool.district_code == XIHU))
    sc_pool = session.scalar(select(Pool).where(Pool.level == "county", Pool.district_code == SHANGCHENG))
    nominate(session, xihu_pool, firm, reason="成长性好", cultivation_type="growth", batch="2026-1",
             actor=users["xihu"], now=now)
    nominate(session, sc_pool, other, reason="成长性好", cultivation_type="startup", batch="2026-1",
             actor=users["city"], now=now)
    session.commit()
    params = clean_params("members", {"pool_id": str(xihu_pool.id)}, now=now)
    assert check_pool(session, params) is xihu_pool
    (row,) = list(iter_rows(session, "members", users["city"], params))
    assert row[:7] == (firm.uscc, firm.name, "西湖区", xihu_pool.name,
                        MEMBERSHIP.states["nominated"].label, "成长型", "2026-1")
    assert row[7:10] == ("成长性好", users["xihu"].label, now)  # times stay stored (UTC): the writers convert
    assert list(iter_rows(session, "members", users["shangcheng"], params)) == []
    assert list(iter_rows(session, "members", users["city"], clean_params(
        "members", {"pool_id": str(xihu_pool.id), "state": "admitted"}, now=now))) == []
    with pytest.raises(NotFound):
        check_pool(session, {"pool_id": 999_999, "filters": {}})


def test_csv_has_a_bom_iso_dates_and_no_formulas(tmp_path):
    path = tmp_path / "out.csv"
    columns = EXPORTS["firms"].columns[:6]
    n = write_csv(path, columns, [("91330106MA2EXP01X", "=HYPERLINK(\"x\")", "有限责任公司", "西湖区", "C39",
                                   date(2019, 5, 20)), ("A", "-1", "", None, "", None)])
    assert n == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    got = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert got[0] == [c.header for c in columns]
    assert got[1][1] == "'=HYPERLINK(\"x\")" and got[1][5] == "2019-05-20"
    assert got[2] == ["A", "'-1", "", "", "", ""]


def test_csv_shows_stored_times_in_hangzhou_time(tmp_path):
    path = tmp_path / "m.csv"
    columns = EXPORTS["members"].columns
    decided = datetime(2026, 11, 30, 4, 22)  # stored UTC (naive, as SQLite returns it)
    write_csv(path, columns, [("X", "甲", "西湖区", "库", "已入库", "成长型", "2026-2", "", "", decided, "", decided,
                               None, "")])
    row = path.read_text(encoding="utf-8-sig").splitlines()[1].split(",")
    assert row[9] == row[11] == "2026-11-30 12:22:00"


def test_csv_money_is_plain_decimal(tmp_path):
    path = tmp_path / "i.csv"
    write_csv(path, EXPORTS["indicators"].columns[:5], [("X", 2025, Decimal("1234567.50"), None, Decimal("-3.25"))])
    assert path.read_text(encoding="utf-8-sig").splitlines()[1] == "X,2025,1234567.50,,-3.25"


