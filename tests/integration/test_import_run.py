"""execute_import end to end on the database: all-or-nothing, partial, dry run, idempotence, a crash, the
county scope, and the audit trail with old and new values. Files are built in the tests."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from models import AnnualIndicator, AuditEvent, Firm, ImportRun
from models.enums import ImportStatus
from tests.import_files import (
    FIRM_HEADER,
    INDICATOR_HEADER,
    STATUS_HEADER,
    TODAY,
    code,
    counts,
    firm_row,
    report_rows,
    run_import,
    write_csv,
    write_xlsx,
)
from workflows.errors import NotPermitted
from workflows.importing import execute_import
from workflows.importing.readers import CSV_NOTICE
from workflows.queries import firm_history


def firms(session) -> dict[str, Firm]:
    session.expire_all()
    return {f.uscc: f for f in session.scalars(select(Firm))}


def events(session, action=None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.subject_type == "firm").order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return session.scalars(query).all()


@pytest.fixture
def register(session, users, now, tmp_path):
    """Three firms of 西湖区 imported by city staff: (codes, the run)."""
    codes = [code() for _ in range(3)]
    path = write_csv(tmp_path / "登记.csv", FIRM_HEADER,
                     [firm_row(c, f"杭州导入{i}号有限公司", industry="I65") for i, c in enumerate(codes)])
    run = run_import(session, users["city"], path, now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 3, 3, 0, 0, 0)
    return codes, run


# ---------------------------------------------------------------------------------------------- firms


def test_new_firms_are_created_with_stage_from_legal_form_and_audited(session, users, now, tmp_path):
    a, b = code(), code("330105", "92")
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER + ["高新技术企业"],
                     [firm_row(a, form="股份有限公司") + ["是"], firm_row(b, form="个体工商户", district="下城区") + [""]])
    run = run_import(session, users["city"], path, now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 2, 2, 0, 0, 0)
    assert [n[3] for n in report_rows(run.report_path, "提示")] == [CSV_NOTICE]  # a CSV's only notice
    made = firms(session)
    assert (made[a].stage, made[a].high_tech, made[a].district_code) == ("joint_stock", True, "330106")
    assert (made[b].stage, made[b].high_tech, made[b].district_code) == ("individual", False, "330105")
    [first, second] = events(session, "create")
    assert first.firm_id == made[a].id and first.actor_name == "city" and first.at == now
    assert first.evidence["changes"]["stage"] == [None, "joint_stock"]
    assert first.evidence["changes"]["registered_on"] == [None, "2020-01-15"]
    assert (first.evidence["import_run"], first.evidence["line"]) == (run.id, 2)
    assert f"#{run.id}" in first.comment


def test_reimporting_the_same_file_changes_nothing_but_is_recorded(session, users, now, tmp_path, register):
    codes, first = register
    before = len(events(session))
    again = run_import(session, users["city"], tmp_path / "登记.csv", now=now)
    assert counts(again) == (ImportStatus.SUCCEEDED, 3, 0, 0, 3, 0)
    assert again.sha256 == first.sha256 and again.id != first.id
    assert len(events(session)) == before


def test_changes_are_audited_with_old_and_new_values_and_the_stage_never_moves(session, users, now, tmp_path,
                                                                               register):
    codes, _ = register
    rows = [firm_row(codes[0], "杭州导入0号股份有限公司", form="股份有限公司", industry="I65"),
            firm_row(codes[1], "杭州导入1号有限公司", industry="I65", status="注销"),
            firm_row(codes[2], "杭州导入2号有限公司", industry="I65")]
    run = run_import(session, users["city"], write_csv(tmp_path / "v2.csv", FIRM_HEADER, rows), now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 3, 0, 2, 1, 0)
    made = firms(session)
    assert (made[codes[0]].legal_form, made[codes[0]].stage) == ("股份有限公司", "enterprise")
    assert made[codes[1]].status == "deregistered"
    [renamed] = events(session, "update")
    assert renamed.evidence["changes"] == {"name": ["杭州导入0号有限公司", "杭州导入0号股份有限公司"],
                                           "legal_form": ["有限责任公司", "股份有限公司"]}
    assert renamed.evidence["flag"] == "legal_form_changed"
    # 登记状态 changes as a status change, the one meaning it has on the firm page and in the status feed
    [deregistered] = events(session, "status_change")
    assert (deregistered.subject_id, deregistered.evidence) == (made[codes[1]].id, {
        "change": "deregister", "effective_on": TODAY.isoformat(), "source": "导入文件“v2.csv”",
        "changes": {"status": ["active", "deregistered"]}, "import_run": run.id, "line": 3})
    [notice] = [n for n in report_rows(run.report_path, "提示") if n[0]]
    assert notice[0] == 2 and notice[1] == "组织形式" and "阶段未改变" in notice[3]
    assert report_rows(run.report_path) == []


def test_markers_in_a_firms_file_are_status_changes_each_with_its_own_event(session, users, now, tmp_path):
    c = code()
    header = FIRM_HEADER + ["经营异常", "严重违法失信"]
    run_import(session, users["city"], write_csv(tmp_path / "a.csv", header, [firm_row(c) + ["否", "否"]]), now=now)
    run = run_import(session, users["city"], write_csv(tmp_path / "b.csv", header,
                                                       [firm_row(c, status="吊销") + ["是", "否"]]), now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 1, 0, 1, 0, 0)
    firm = firms(session)[c]
    assert (firm.status, firm.abnormal, firm.serious_violation) == ("revoked", True, False)
    assert [(e.evidence["change"], e.evidence["changes"]) for e in events(session, "status_change")] == [
        ("revoke", {"status": ["active", "revoked"]}), ("mark_abnormal", {"abnormal": [False, True]})]
    assert events(session, "update") == []
    again = run_import(session, users["city"], write_csv(tmp_path / "c.csv", header,
                                                         [firm_row(c, status="吊销") + ["是", "否"]]), now=now)
    assert counts(again) == (ImportStatus.SUCCEEDED, 1, 0, 0, 1, 0)
    assert len(events(session, "status_change")) == 2


def test_blank_optional_cells_keep_stored_values(session, users, now, tmp_path):
    c = code()
    header = FIRM_HEADER + ["经营异常", "八大万亿产业"]
    run_import(session, users["city"], write_csv(tmp_path / "a.csv", header, [firm_row(c) + ["是", "金融"]]), now=now)
    run = run_import(session, users["city"], write_csv(tmp_path / "b.csv", header, [firm_row(c) + ["", ""]]), now=now)
    assert counts(run)[4] == 1
    assert (firms(session)[c].abnormal, firms(session)[c].tags) == (True, ["finance"])


def test_a_bad_row_refuses_the_whole_file_and_partial_writes_the_rest(session, users, now, tmp_path):
    good, other = code(), code()
    rows = [firm_row(good), firm_row("91330106MA2B0X0K8A"), firm_row(other, district="江干区")]
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, rows)
    refused = run_import(session, users["city"], path, now=now)
    assert counts(refused) == (ImportStatus.REFUSED, 3, 0, 0, 0, 2)
    assert firms(session) == {} and events(session) == []
    problems = report_rows(refused.report_path)
    assert [(p[0], p[1]) for p in problems] == [(3, "统一社会信用代码"), (4, "所属区县")]
    assert "校验码" in problems[0][3] and "江干区已于2021年撤销" in problems[1][3]
    partial = run_import(session, users["city"], path, now=now, partial=True)
    assert counts(partial) == (ImportStatus.PARTIAL, 3, 1, 0, 0, 2)
    assert set(firms(session)) == {good} and len(report_rows(partial.report_path)) == 2


def test_duplicates_inside_a_file_are_reported_on_every_line(session, users, now, tmp_path):
    dup, fine = code(), code()
    path = write_csv(tmp_path / "d.csv", FIRM_HEADER, [firm_row(dup), firm_row(fine), firm_row(dup, "别名")])
    run = run_import(session, users["city"], path, now=now, partial=True)
    assert counts(run) == (ImportStatus.PARTIAL, 3, 1, 0, 0, 2)
    problems = report_rows(run.report_path)
    assert [p[0] for p in problems] == [2, 4]
    assert all("在文件中出现2次（首次在第2行）" in p[3] for p in problems)
    assert set(firms(session)) == {fine}


def test_dry_run_counts_and_writes_nothing(session, users, now, tmp_path, register):
    codes, _ = register
    rows = [firm_row(codes[0], "新名称有限公司", industry="I65"), firm_row(code())]
    run = run_import(session, users["city"], write_csv(tmp_path / "dry.csv", FIRM_HEADER, rows), now=now, dry_run=True)
    assert counts(run) == (ImportStatus.SUCCEEDED, 2, 1, 1, 0, 0)
    assert len(firms(session)) == 3 and firms(session)[codes[0]].name == "杭州导入0号有限公司"
    assert events(session, "update") == [] and len(events(session, "create")) == 3


def test_xlsx_end_to_end(session, users, now, tmp_path):
    c = code()
    run = run_import(session, users["city"], write_xlsx(tmp_path / "f.xlsx", FIRM_HEADER, [firm_row(c)]), now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 1, 1, 0, 0, 0) and c in firms(session)


@pytest.mark.parametrize("header, message", [
    (["统一社会信用代码", "企业名称"], "缺少必需的列：组织形式、所属区县、行业代码、成立日期、登记状态"),
    (["统一社会信用代码", "企业名字", *FIRM_HEADER[2:], "法人"], "缺少必需的列：企业名称（文件中未识别的列：企业名字、法人"),
])
def test_wrong_headers_refuse_the_file_with_a_report(session, users, now, tmp_path, header, message):
    run = run_import(session, users["city"], write_csv(tmp_path / "h.csv", header, []), now=now)
    assert run.status == ImportStatus.REFUSED and message in run.error
    assert any(message in p[3] for p in report_rows(run.report_path))


def test_header_only_and_empty_files(session, users, now, tmp_path):
    run = run_import(session, users["city"], write_csv(tmp_path / "h.csv", FIRM_HEADER, []), now=now)
    assert (run.status, run.error) == (ImportStatus.REFUSED, "文件中没有数据行（只有表头）")
    (tmp_path / "empty.csv").write_bytes(b"")
    run = run_import(session, users["city"], tmp_path / "empty.csv", now=now)
    assert (run.status, run.error) == (ImportStatus.REFUSED, "文件为空")


# ---------------------------------------------------------------------------------------- county scope


def test_county_officer_imports_only_own_district(session, users, now, tmp_path, register):
    codes, _ = register
    other = code("330102")
    rows = [firm_row(code()), firm_row(other, district="上城区")]
    run = run_import(session, users["xihu"], write_csv(tmp_path / "c.csv", FIRM_HEADER, rows), now=now)
    assert (run.status, run.district_code) == (ImportStatus.REFUSED, "330106")
    [problem] = report_rows(run.report_path)
    assert problem[0] == 3 and "只能导入本区县" in problem[3]
    # moving one of 西湖区's firms away, or taking over another district's firm, is refused too
    shangcheng = run_import(session, users["shangcheng"],
                            write_csv(tmp_path / "m.csv", FIRM_HEADER, [firm_row(codes[0], district="上城区")]), now=now)
    [moved] = report_rows(shangcheng.report_path)
    assert "其他区县" in moved[3] and firms(session)[codes[0]].district_code == "330106"


def test_city_staff_may_move_a_firm_and_it_is_audited(session, users, now, tmp_path, register):
    codes, _ = register
    path = write_csv(tmp_path / "m.csv", FIRM_HEADER, [firm_row(codes[0], "杭州导入0号有限公司", district="滨江区",
                                                                industry="I65")])
    run = run_import(session, users["city"], path, now=now)
    assert counts(run)[3] == 1
    [event] = events(session, "update")
    assert event.evidence["changes"] == {"district_code": ["330106", "330108"]}


def test_leaders_and_admins_cannot_import(session, users, now, tmp_path):
    path = write_csv(tmp_path / "f.csv", FIRM_HEADER, [firm_row(code())])
    for who in ("leader", "admin"):
        run = ImportRun(kind="firms", filename="f.csv", sha256="x", actor_name=who, options={})
        with pytest.raises(NotPermitted):
            execute_import(session, run, path, actor=users[who], now=now, today=TODAY)
        session.rollback()


# ------------------------------------------------------------------------------------------ indicators


def test_indicators_upsert_recompute_size_class_and_audit(session, users, now, tmp_path, register):
    """A new row points at its run instead of an event of its own (migration 0015); the firm's history still
    shows who created it with which values, and every later change is an event with old and new."""
    codes, _ = register
    rows = [[codes[0], "2025", "50", "1", "-2", "5", "100"], [codes[1], "2024", "20000", "", "", "300", ""]]
    run = run_import(session, users["city"], write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows), "indicators",
                     now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 2, 2, 0, 0, 0)
    made = firms(session)
    firm = made[codes[0]]
    assert firm.size_class == "micro"  # I65 软件: under 10 staff / 50 万元 is 微型
    assert events(session, "indicators_create") == []
    row = session.scalar(select(AnnualIndicator).filter_by(firm_id=firm.id, year=2025))
    assert row.import_run_id == run.id
    # the new 划型 has no row event to ride on: an event of its own, naming the run and the line
    [resized] = [e for e in events(session, "update") if e.firm_id == firm.id]
    assert resized.evidence["changes"] == {"size_class": ["unknown", "micro"]}
    assert resized.evidence["import_run"] == run.id and resized.actor_name == users["city"].username
    [created] = [e for e in firm_history(session, firm) if e.action == "indicators_create"]
    assert created.actor_name == users["city"].username and f"导入 #{run.id}" in created.comment
    assert created.evidence["year"] == 2025 and created.evidence["changes"] == {
        "revenue": [None, "50.00"], "tax": [None, "1.00"], "profit": [None, "-2.00"], "employees": [None, 5],
        "total_assets": [None, "100.00"]}
    # a tax-system file: only 纳税总额; the other figures stay, the change is audited with old and new
    tax = write_csv(tmp_path / "t.csv", ["统一社会信用代码", "年度", "纳税总额（万元）"], [[codes[0], "2025", "3.5"]])
    run = run_import(session, users["city"], tax, "indicators", now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 1, 0, 1, 0, 0)
    row = session.scalar(select(AnnualIndicator).filter_by(firm_id=made[codes[0]].id, year=2025))
    assert (row.revenue, row.tax, row.profit) == (Decimal("50.00"), Decimal("3.50"), Decimal("-2.00"))
    [updated] = events(session, "indicators_update")
    assert updated.evidence["changes"] == {"tax": ["1.00", "3.50"]} and updated.evidence["firm_changes"] == {}
    # the creation still shows what the import set (1.00), not today's value
    history = [e for e in firm_history(session, firm) if e.action.startswith("indicators_")]
    assert [e.action for e in history] == ["indicators_update", "indicators_create"]
    assert history[1].evidence["changes"]["tax"] == [None, "1.00"]
    again = run_import(session, users["city"], tax, "indicators", now=now)
    assert counts(again) == (ImportStatus.SUCCEEDED, 1, 0, 0, 1, 0)


def test_several_years_of_one_firm_size_change_once_for_the_latest(session, users, now, tmp_path, register):
    codes, _ = register
    rows = [[codes[2], str(year), "30", "", "", "4", "20"] for year in (2025, 2023, 2024)]
    run = run_import(session, users["city"], write_csv(tmp_path / "y.csv", INDICATOR_HEADER, rows), "indicators",
                     now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 3, 3, 0, 0, 0)
    [resized] = events(session, "update")
    assert resized.evidence["changes"] == {"size_class": ["unknown", "micro"]} and resized.evidence["line"] == 2
    firm = firms(session)[codes[2]]
    assert sorted(e.evidence["year"] for e in firm_history(session, firm) if e.action == "indicators_create") == \
        [2023, 2024, 2025]


def test_an_older_year_or_a_figure_not_read_by_size_class_does_not_resize(session, users, now, tmp_path, register):
    """划型 reads the latest year's 从业人员, 营业收入, 资产总额: other changes leave it (and its events) alone."""
    codes, _ = register
    run_import(session, users["city"], write_csv(tmp_path / "a.csv", INDICATOR_HEADER,
                                                 [[codes[2], "2025", "30", "", "", "4", "20"]]), "indicators", now=now)
    firm = firms(session)[codes[2]]
    firm.size_class = "large"  # a stale class: a needless 划型 would put it back to micro
    session.flush()
    older = write_csv(tmp_path / "b.csv", INDICATOR_HEADER, [[codes[2], "2023", "9000", "", "", "400", "9000"]])
    tax = write_csv(tmp_path / "c.csv", ["统一社会信用代码", "年度", "纳税总额（万元）"], [[codes[2], "2025", "2"]])
    for path in (older, tax):
        run = run_import(session, users["city"], path, "indicators", now=now)
        assert run.status == ImportStatus.SUCCEEDED
    assert firms(session)[codes[2]].size_class == "large"
    revenue = write_csv(tmp_path / "d.csv", ["统一社会信用代码", "年度", "营业收入（万元）"], [[codes[2], "2025", "31"]])
    run_import(session, users["city"], revenue, "indicators", now=now)
    assert firms(session)[codes[2]].size_class == "micro"


def test_indicators_for_unknown_or_other_district_firms_are_refused(session, users, now, tmp_path, register):
    codes, _ = register
    rows = [[codes[0], "2025", "1", "", "", "", ""], [code(), "2025", "1", "", "", "", ""],
            [codes[1], "2025", "1", "", "", "", ""], [codes[1], "2025", "2", "", "", "", ""]]
    path = write_csv(tmp_path / "i.csv", INDICATOR_HEADER, rows)
    run = run_import(session, users["city"], path, "indicators", now=now)
    problems = report_rows(run.report_path)
    assert run.status == ImportStatus.REFUSED and [p[0] for p in problems] == [3, 4, 5]
    assert "请先导入企业登记信息" in problems[0][3] and "2025年度的指标在文件中出现2次" in problems[1][3]
    county = run_import(session, users["shangcheng"], write_csv(tmp_path / "j.csv", INDICATOR_HEADER, rows[:1]),
                        "indicators", now=now)
    [hidden] = report_rows(county.report_path)
    assert "本区县没有该统一社会信用代码的企业" in hidden[3]  # the same words as for an unknown code


# ---------------------------------------------------------------------------------------------- status


def test_status_feed_applies_changes_and_counts_repeats_as_unchanged(session, users, now, tmp_path, register):
    codes, _ = register
    rows = [[codes[0], "注销", "2026-11-20", "登记系统"], [codes[1], "列入经营异常名录", "2026-11-21", "公示系统"],
            [codes[2], "移出经营异常名录", "2026-11-21", "公示系统"]]
    path = write_csv(tmp_path / "s.csv", STATUS_HEADER, rows, encoding="gbk")
    run = run_import(session, users["xihu"], path, "status", now=now)
    assert counts(run) == (ImportStatus.SUCCEEDED, 3, 0, 2, 1, 0)
    made = firms(session)
    assert made[codes[0]].status == "deregistered" and made[codes[1]].abnormal is True
    first, second = events(session, "status_change")
    assert first.evidence | {"import_run": 0} == {
        "change": "deregister", "effective_on": "2026-11-20", "source": "登记系统",
        "changes": {"status": ["active", "deregistered"]}, "import_run": 0, "line": 2}
    assert second.evidence["changes"] == {"abnormal": [False, True]}
    again = run_import(session, users["xihu"], path, "status", now=now)
    assert counts(again) == (ImportStatus.SUCCEEDED, 3, 0, 0, 3, 0)


def test_status_before_registration_and_two_changes_of_one_kind_are_refused(session, users, now, tmp_path,
                                                                              register):
    codes, _ = register
    rows = [[codes[0], "吊销", "2019-01-01", "登记系统"], [codes[1], "注销", "2026-11-01", "登记系统"],
            [codes[1], "迁出", "2026-11-02", "登记系统"]]
    run = run_import(session, users["city"], write_csv(tmp_path / "s.csv", STATUS_HEADER, rows), "status", now=now)
    problems = report_rows(run.report_path)
    assert run.status == ImportStatus.REFUSED and [p[0] for p in problems] == [2, 3, 4]
    assert "生效日期不能早于成立日期（2020-01-15）" in problems[0][3]
    assert "登记状态变更在文件中出现2次" in problems[1][3]
    assert all(f.status == "active" for f in firms(session).values())


# ------------------------------------------------------------------------------------- worker processes


@pytest.fixture
def in_workers(monkeypatch):
    """Check even a small file in worker processes, in blocks of 4 lines."""
    from workflows.importing import batches

    monkeypatch.setattr(batches, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(batches, "BLOCK", 4)


def test_worker_processes_check_the_same_as_one(session, users, now, tmp_path, in_workers):
    good = [code() for _ in range(20)]
    rows = [firm_row(c, f"企业{i}") for i, c in enumerate(good)]
    rows[5] = firm_row(good[5], born="2021/13/40")
    rows[13] = firm_row(good[0], "重复")
    rows.insert(9, [""] * 7)
    run = run_import(session, users["city"], write_csv(tmp_path / "w.csv", FIRM_HEADER, rows), now=now, partial=True)
    assert counts(run) == (ImportStatus.PARTIAL, 20, 17, 0, 0, 3)
    assert [p[0] for p in report_rows(run.report_path)] == [2, 7, 16]
    assert len(firms(session)) == 17


def test_a_file_problem_found_by_a_worker_refuses_the_file(session, users, now, tmp_path, in_workers):
    start = write_csv(tmp_path / "a.csv", FIRM_HEADER, [firm_row(code()) for _ in range(9)]).read_bytes()
    (tmp_path / "m.csv").write_bytes(start + ",".join(firm_row(code(), "编码混合")).encode("gbk") + b"\r\n")
    run = run_import(session, users["city"], tmp_path / "m.csv", now=now)
    assert run.status == ImportStatus.REFUSED and "第11行" in run.error and firms(session) == {}


def test_a_crash_while_workers_run_stops_them_and_leaves_nothing(session, users, now, tmp_path, in_workers):
    path = write_csv(tmp_path / "c.csv", FIRM_HEADER, [firm_row(code()) for _ in range(40)])

    def crash(progress):
        if progress.rows >= 8:
            raise KeyboardInterrupt  # an operator's Ctrl+C

    run = ImportRun(kind="firms", filename="c.csv", sha256="x", actor_id=users["city"].id, actor_name="city",
                    options={})
    session.add(run)
    session.commit()
    with pytest.raises(KeyboardInterrupt):
        execute_import(session, run, path, actor=users["city"], now=now, today=TODAY, progress=crash)
    session.rollback()
    assert firms(session) == {}
