"""The checks' policy data: the shipped table parses, and a mistake fails the load naming the key."""

import copy
import dataclasses
from decimal import Decimal

import pytest

from workflows.checks.settings import case_states, checks_policy, parse_checks
from workflows.policy import PolicyError, default_policy


def with_checks(edit):
    """The shipped policy with its [checks] table changed by `edit(table)`."""
    base = default_policy()
    extra = copy.deepcopy(base.extra)
    edit(extra["checks"])
    return dataclasses.replace(base, extra=extra)


def test_the_shipped_table():
    settings = checks_policy()
    assert settings.hygiene == {"revenue_drop_share": Decimal("0.3"), "no_figures_years": Decimal("2")}
    assert (settings.overdue_default_days, settings.overdue_nomination_days) == (90, 30)
    assert settings.case_days("identified") == 60 and settings.case_days("cultivating") == 365
    assert set(settings.schedules) == {"upgrade_candidates", "pool_hygiene", "overdue_cases", "metrics_snapshot",
                                      "growth_star_screening", "plan_figures"}


def test_a_state_without_days_takes_the_default():
    policy = with_checks(lambda t: t["overdue"]["case_days"].pop("intent"))
    assert parse_checks(policy).case_days("intent") == 90


def test_case_days_name_only_states_a_case_can_wait_in():
    assert {"identified", "cultivating", "declared", "reserve", "filed"} <= case_states()
    assert not {"completed", "abandoned", "terminated"} & case_states()


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t["overdue"]["case_days"].update(cultivatng=30), "checks.overdue.case_days：未知键cultivatng"),
    (lambda t: t["overdue"]["case_days"].update(completed=30), "checks.overdue.case_days：未知键completed"),
    (lambda t: t["overdue"]["case_days"].update(identified=0), "checks.overdue.case_days.identified：应为正整数"),
    (lambda t: t["overdue"].update(nomination_days=7.5), "checks.overdue.nomination_days：应为正整数"),
    (lambda t: t["hygiene"].update(revenue_drop_share=30), "checks.hygiene.revenue_drop_share：应为0到1之间的比例"),
    (lambda t: t["hygiene"].pop("no_figures_years"), "checks.hygiene.no_figures_years：应为正整数（年）"),
    (lambda t: t["hygiene"].update(no_figures_years=0), "checks.hygiene.no_figures_years：应为正整数（年）"),
    (lambda t: t["hygiene"].update(drop_years=2), "checks.hygiene：未知键drop_years"),
])
def test_a_mistake_names_its_key(edit, message):
    with pytest.raises(PolicyError, match=message):
        parse_checks(with_checks(edit))
