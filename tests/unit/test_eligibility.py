"""Eligibility for the 小微 cultivation pools (DESIGN §9) at every boundary: each stage, each status, both
markers, each size class, the 新设 window without indicators, and every failing reason reported at once."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from models.enums import FirmStatus, SizeClass, Stage
from workflows.rules.eligibility import check_eligibility, months_between, new_firm_cutoff

TODAY = date(2026, 11, 30)


def firm(**kw):
    base = {"stage": Stage.ENTERPRISE, "status": FirmStatus.ACTIVE, "abnormal": False, "serious_violation": False,
            "size_class": SizeClass.SMALL, "registered_on": date(2015, 3, 1)}
    return SimpleNamespace(**{**base, **kw})


def rules(f, has_indicators=True, today=TODAY, new_firm_months=24):
    return [r.rule for r in check_eligibility(f, has_indicators=has_indicators, today=today,
                                              new_firm_months=new_firm_months)]


def test_a_small_active_enterprise_with_figures_is_eligible():
    assert check_eligibility(firm(), has_indicators=True, today=TODAY, new_firm_months=24) == []


@pytest.mark.parametrize("stage", list(Stage))
def test_only_the_enterprise_rung_is_eligible(stage):
    reasons = check_eligibility(firm(stage=stage), has_indicators=True, today=TODAY, new_firm_months=24)
    if stage == Stage.ENTERPRISE:
        assert reasons == []
    else:
        [reason] = reasons
        assert (reason.rule, reason.value) == ("stage", stage)
        assert "规下" in reason.message


@pytest.mark.parametrize("status", list(FirmStatus))
def test_only_an_active_firm_is_eligible(status):
    reasons = check_eligibility(firm(status=status), has_indicators=True, today=TODAY, new_firm_months=24)
    if status == FirmStatus.ACTIVE:
        assert reasons == []
    else:
        [reason] = reasons
        assert (reason.rule, reason.value) == ("status", status)
        assert "存续" in reason.message


@pytest.mark.parametrize("marker, rule", [("abnormal", "abnormal"), ("serious_violation", "serious_violation")])
def test_each_marker_refuses(marker, rule):
    assert rules(firm(**{marker: True})) == [rule]


@pytest.mark.parametrize("size, ok", [(SizeClass.SMALL, True), (SizeClass.MICRO, True), (SizeClass.MEDIUM, False),
                                      (SizeClass.LARGE, False), (SizeClass.UNKNOWN, False)])
def test_with_figures_only_small_and_micro_are_eligible(size, ok):
    reasons = check_eligibility(firm(size_class=size), has_indicators=True, today=TODAY, new_firm_months=24)
    assert [(r.rule, r.value) for r in reasons] == ([] if ok else [("size_class", size)])


def test_without_figures_registered_exactly_24_months_ago_is_no_longer_new():
    [reason] = check_eligibility(firm(registered_on=date(2024, 11, 30), size_class=SizeClass.UNKNOWN),
                                 has_indicators=False, today=TODAY, new_firm_months=24)
    assert (reason.rule, reason.value, reason.threshold) == ("no_indicators", "2024-11-30", 24)
    assert "缺少年度数据" in reason.message


def test_without_figures_one_day_short_of_24_months_is_new_and_eligible():
    # A new firm has no 划型 yet: its unknown size class is not held against it.
    assert rules(firm(registered_on=date(2024, 12, 1), size_class=SizeClass.UNKNOWN), has_indicators=False) == []
    assert rules(firm(registered_on=TODAY), has_indicators=False) == []


def test_without_figures_and_without_a_registration_date_is_refused():
    [reason] = check_eligibility(firm(registered_on=None), has_indicators=False, today=TODAY, new_firm_months=24)
    assert (reason.rule, reason.value) == ("no_indicators", None)


def test_the_window_is_policy_data():
    assert rules(firm(registered_on=date(2025, 12, 1)), has_indicators=False, new_firm_months=12) == []
    assert rules(firm(registered_on=date(2025, 11, 30)), has_indicators=False, new_firm_months=12) == ["no_indicators"]


def test_a_leap_day_registration_turns_24_months_on_the_first_of_march():
    born = date(2024, 2, 29)
    assert rules(firm(registered_on=born), has_indicators=False, today=date(2026, 2, 28)) == []
    assert rules(firm(registered_on=born), has_indicators=False, today=date(2026, 3, 1)) == ["no_indicators"]


def test_every_failing_reason_is_returned_at_once():
    bad = firm(stage=Stage.INDIVIDUAL, status=FirmStatus.REVOKED, abnormal=True, serious_violation=True,
               registered_on=date(2020, 1, 1))
    assert rules(bad, has_indicators=False) == ["stage", "status", "abnormal", "serious_violation", "no_indicators"]
    with_figures = firm(stage=Stage.ABOVE_SCALE, status=FirmStatus.MOVED_OUT, abnormal=True, serious_violation=True,
                        size_class=SizeClass.MEDIUM)
    assert rules(with_figures) == ["stage", "status", "abnormal", "serious_violation", "size_class"]


@pytest.mark.parametrize("start, end, months", [
    (date(2024, 11, 30), date(2026, 11, 30), 24),
    (date(2024, 12, 1), date(2026, 11, 30), 23),
    (date(2024, 1, 31), date(2026, 1, 30), 23),
    (date(2024, 1, 31), date(2026, 1, 31), 24),
    (date(2026, 11, 30), date(2026, 11, 30), 0),
])
def test_months_between_counts_whole_months(start, end, months):
    assert months_between(start, end) == months


def test_the_cutoff_date_agrees_with_whole_months_every_day_for_six_years():
    """The SQL count for the target split uses the cutoff; nominations use the rule: they must agree."""
    for offset in range(0, 6 * 366, 7):
        today = date(2023, 1, 1) + timedelta(days=offset)
        for months in (12, 24):
            cutoff = new_firm_cutoff(today, months)
            for back in range(months * 31 - 70, months * 31 + 5):
                registered = today - timedelta(days=back)
                assert (registered > cutoff) == (months_between(registered, today) < months), (today, registered)


@pytest.mark.parametrize("today, months, cutoff", [
    (date(2026, 11, 30), 24, date(2024, 11, 30)),
    (date(2026, 2, 28), 24, date(2024, 2, 28)),
    (date(2026, 3, 31), 24, date(2024, 3, 31)),
    (date(2026, 12, 31), 10, date(2026, 2, 28)),  # ten months back from a 31st clamps to February's end
    (date(2026, 1, 15), 1, date(2025, 12, 15)),
])
def test_cutoff_dates(today, months, cutoff):
    assert new_firm_cutoff(today, months) == cutoff
