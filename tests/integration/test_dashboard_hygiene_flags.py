"""The pools panel's open hygiene flags: a county officer's dashboard shows their district's row and, under
全市, the whole city's total (not their own count again)."""

from datetime import datetime

from models.enums import FlagKind, PoolLevel
from tests.factories import SHANGCHENG, XIHU, raise_flag
from tests.integration.test_pool_member_tallies import member
from workflows.plans.pools_panel import hygiene_flags
from workflows.plans.window import Scope

NOW = datetime(2026, 11, 20, 2)


def test_the_city_row_counts_every_district_on_a_districts_dashboard(session):
    for district, n in ((XIHU, 2), (SHANGCHENG, 3)):
        for _ in range(n):
            m = member(session, PoolLevel.COUNTY, "admitted", datetime(2026, 3, 1), district=district)
            raise_flag(session, m, FlagKind.REMOVAL, NOW)
    session.flush()
    city = hygiene_flags(session, Scope())
    assert city[""][FlagKind.REMOVAL] == 5 and city[XIHU][FlagKind.REMOVAL] == 2
    own = hygiene_flags(session, Scope(district=XIHU))
    assert own[""][FlagKind.REMOVAL] == 5
    assert own[XIHU][FlagKind.REMOVAL] == 2
    assert SHANGCHENG not in own
