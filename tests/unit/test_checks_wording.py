"""Reasons in words: every rule a check can raise reads as a sentence, figures formatted as officers write them."""

import re
from pathlib import Path

import pytest

from workflows.checks import wording
from workflows.checks.wording import describe, share

CHECKS_DIR = Path(wording.__file__).parent


def test_every_rule_a_check_raises_has_its_sentence():
    sources = [p.read_text(encoding="utf-8") for p in CHECKS_DIR.glob("*.py") if p.name not in ("base.py", "wording.py")]
    raised = {rule for text in sources if "hit(" in text for rule in re.findall(r'"([a-z_]+\.[a-z_]+)"', text)}
    assert len(raised) >= 19
    assert raised <= set(wording.SENTENCES), sorted(raised - set(wording.SENTENCES))


@pytest.mark.parametrize(("reason", "words"), [
    ({"rule": "removal.deregistered", "value": 20261012}, "企业已注销（2026-10-12）"),
    ({"rule": "removal.deregistered", "value": "20261012.0000"}, "企业已注销（2026-10-12）"),  # PostgreSQL's numeric
    ({"rule": "removal.revoked", "value": None}, "企业已被吊销营业执照"),
    ({"rule": "removal.moved_out", "value": 20260105}, "企业已迁出（2026-01-05）"),
    ({"rule": "removal.abnormal", "value": None}, "企业已列入经营异常名录"),
    ({"rule": "removal.violation", "value": 20251231}, "企业已列入严重违法失信名单（2025-12-31）"),
    ({"rule": "removal.district_changed", "value": 330106, "threshold": 330102},
     "企业所属区县已变更（330102→330106），不再属于本县级库的区县"),
    ({"rule": "removal.no_figures", "value": 2, "year": 2025}, "2024、2025年连续两年无年度数据"),
    ({"rule": "removal.no_figures", "value": 3, "year": 2025}, "2023、2024、2025年连续三年无年度数据"),
    ({"rule": "removal.revenue_drop", "value": 35.2381, "threshold": 30, "year": 2025},
     "2025年营业收入较上年下降35.2%，超过30%"),
    ({"rule": "removal.revenue_drop_prior", "value": 31, "threshold": "30.0000", "year": 2024},
     "2024年营业收入较上年下降31.0%，连续两年超过30%"),
    ({"rule": "graduation.scaled_up"}, "企业已升为规上企业，可从小微企业培育库毕业"),
    ({"rule": "graduation.medium"}, "企业划型已为中型企业，超出小微企业范围"),
    ({"rule": "graduation.large"}, "企业划型已为大型企业，超出小微企业范围"),
    ({"rule": "overdue.case", "value": 61, "threshold": 60}, "已在当前环节停留61天，超过时限60天"),
    ({"rule": "overdue.nomination", "value": "1200.0000", "threshold": 30}, "推荐已等待审核1,200天，超过时限30天"),
])
def test_sentences(reason, words):
    assert describe(reason) == words


def test_a_share_just_over_the_line_does_not_read_as_the_line():
    assert share("30.04", "30") == "30.04%"
    assert share("30.04", None) == "30.0%"
    assert share("35.25", "30") == "35.3%"


def test_an_unknown_or_broken_reason_still_reads():
    assert describe({"rule": "removal.no_figures", "value": None}).startswith("removal.no_figures")
    assert describe({"rule": "future.rule", "value": 3}) == "future.rule：value=3"
