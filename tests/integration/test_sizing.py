"""Re-running 划型 over the stored register when the policy's rows change (migration 0004)."""

from datetime import date
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from models import AnnualIndicator, AuditEvent, Firm
from workflows.rules.uscc import make_uscc
from workflows.sizing import reclassify_firms


def _firm(session, n, industry, *, employees, revenue=None, assets=None, stored="unknown"):
    firm = Firm(uscc=make_uscc("91", "330106", f"QMR{n:05d}"), name=f"杭州划型{n}号有限公司",
                legal_form="有限责任公司", stage="enterprise", district_code="330106", industry=industry,
                registered_on=date(2020, 1, 1), size_class=stored, tags=[])
    session.add(firm)
    session.flush()
    session.add(AnnualIndicator(firm_id=firm.id, year=2025, employees=employees, revenue=revenue,
                                total_assets=assets))
    return firm


def _register(session):
    """Classes as the earlier policy stored them: 未知 in the bands the confirmed rows now decide."""
    firms = {
        "leasing": _firm(session, 1, "L72", employees=150, assets=Decimal(9000)),  # 租赁商务 中型
        "road": _firm(session, 2, "G54", employees=25, revenue=Decimal(500)),  # 道路运输 小型
        "store": _firm(session, 3, "G592", employees=5, revenue=Decimal(50)),  # 仓储 微型
        "rail": _firm(session, 4, "G53", employees=25, revenue=Decimal(500)),  # 铁路: still no row
        "factory": _firm(session, 5, "C39", employees=25, revenue=Decimal(500), stored="small"),  # unchanged
    }
    session.commit()
    return firms


def _classes(session, firms):
    session.expire_all()
    return {key: session.get(Firm, f.id).size_class for key, f in firms.items()}


def test_reclassify_changes_only_what_the_policy_now_decides_with_one_event_each(session, now):
    firms = _register(session)
    assert reclassify_firms(session, now=now, comment="重新划型") == 3
    session.commit()
    assert _classes(session, firms) == {"leasing": "medium", "road": "small", "store": "micro",
                                        "rail": "unknown", "factory": "small"}
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.subject_id, e.actor_name, e.evidence["changes"]) for e in events] == [
        (firms["leasing"].id, "system", {"size_class": ["unknown", "medium"]}),
        (firms["road"].id, "system", {"size_class": ["unknown", "small"]}),
        (firms["store"].id, "system", {"size_class": ["unknown", "micro"]})]
    assert {e.evidence["policy_version"] for e in events} == {"2011-300-r2"}
    assert reclassify_firms(session, now=now, comment="重新划型") == 0  # a rerun changes nothing


@pytest.mark.committed_db  # the migration runs on a connection of its own
def test_migration_0004_reclassifies_the_stored_register(ctx, session):
    leasing = _register(session)["leasing"].id
    session.remove()
    downgrade(revision="0003")
    upgrade()
    assert session.get(Firm, leasing).size_class == "medium"
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.subject_id == leasing)).all()
    assert "重新划型" in event.comment
