"""One definition of pool eligibility, two readings: the SQL condition selects exactly the firms the
per-firm check lets through, over a grid of firms at every boundary of every rule (DESIGN §9)."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from models import AnnualIndicator, Firm
from models.enums import FirmStatus, SizeClass, Stage
from workflows.rules.eligibility import check_eligibility, eligible_clause, new_firm_cutoff
from workflows.rules.uscc import CHARSET, make_uscc

TODAY = date(2026, 11, 30)
MONTHS = 24
CUTOFF = new_firm_cutoff(TODAY, MONTHS)
# With figures: each size class. Without: registered the day before, on and after the cutoff, or unknown.
FIGURES = [(True, size, date(2015, 3, 1)) for size in SizeClass] + \
          [(False, SizeClass.UNKNOWN, day) for day in (CUTOFF - timedelta(days=1), CUTOFF,
                                                       CUTOFF + timedelta(days=1), TODAY, None)]


def _code(n: int) -> str:
    body = []
    for _ in range(5):
        n, r = divmod(n, len(CHARSET))
        body.append(CHARSET[r])
    return make_uscc("91", "330106", "QME" + "".join(reversed(body)))


def _grid(session) -> list[Firm]:
    firms = []
    combos = itertools.product(Stage, FirmStatus, (False, True), (False, True), FIGURES)
    for n, (stage, status, abnormal, violation, (figures, size, born)) in enumerate(combos):
        firm = Firm(uscc=_code(n), name=f"杭州资格{n}号有限公司", legal_form="有限责任公司", stage=stage,
                    district_code="330106", industry="C39", registered_on=born, status=status, abnormal=abnormal,
                    serious_violation=violation, size_class=size, tags=[])
        if figures:
            firm.indicators.append(AnnualIndicator(year=2025, revenue=Decimal(100), employees=5))
        firms.append(firm)
    session.add_all(firms)
    session.commit()
    return firms


def test_sql_and_python_readings_select_the_same_firms(session):
    firms = _grid(session)
    by_python = {f.id for f in firms
                 if not check_eligibility(f, has_indicators=bool(f.indicators), today=TODAY, new_firm_months=MONTHS)}
    by_sql = set(session.scalars(select(Firm.id).where(eligible_clause(TODAY, MONTHS))))
    assert by_sql == by_python
    # the grid is not trivially empty or full: active small enterprises and new ones pass, the rest do not
    assert len(by_python) == 2 + 2  # small/micro with figures; no figures registered after the cutoff or today
    assert len(firms) == len(Stage) * len(FirmStatus) * 4 * len(FIGURES)
