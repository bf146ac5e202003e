"""`flask campaigns list|export`: the campaigns by year, and a year's list as the page shows it."""

from openpyxl import load_workbook


def test_list_and_export(app, session, star_open, tmp_path):
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["campaigns", "list"])
    assert listed.exit_code == 0 and "2026" in listed.output and "区县提名" in listed.output
    out = tmp_path / "list.xlsx"
    exported = runner.invoke(args=["campaigns", "export", "2026", "--out", str(out)])
    assert exported.exit_code == 0 and "2026年杭州市小微企业成长之星拟入围名单：0 家" in exported.output
    assert next(load_workbook(out).active.iter_rows(values_only=True))[:3] == ("序号", "所属区县", "企业名称")
    missing = runner.invoke(args=["campaigns", "export", "2030", "--out", str(out)])
    assert missing.exit_code == 1 and "未找到2030年度" in missing.output
