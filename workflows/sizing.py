"""Re-running 划型 over stored firms, for an import's touched firms or the whole register.

划型 itself lives in `workflows.rules.size_class` (the one implementation of the standard); this module
feeds it in keyset pages of firms with their latest year's figures, so it never holds more than a page, and
looks each industry's row up once. When the policy's rows change (a new policy version), the migration that
ships the change re-runs it for every stored firm: each firm whose class changes gets one audit event
naming the policy version, so a timeline says why 未知 became 小型.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, text, update

from models import AuditEvent, Firm
from models.enums import SizeClass
from workflows.policy import Policy, default_policy
from workflows.rules.size_class import classify_size

PAGE = 5_000
# The firms after :last with their latest year's figures; {scope} narrows them (a join or nothing).
LATEST = (
    "SELECT f.id, f.industry, f.size_class, a.employees, a.revenue, a.total_assets FROM firms f{scope}"
    " LEFT JOIN annual_indicators a ON a.firm_id = f.id"
    " AND a.year = (SELECT MAX(m.year) FROM annual_indicators m WHERE m.firm_id = f.id)"
    " WHERE f.id > :last ORDER BY f.id LIMIT {page}"
)


class SizeClassifier:
    """划型 of (firm id, industry, stored class, employees, revenue, total assets) rows."""

    def __init__(self, policy: Policy | None = None):
        self.policy = policy or default_policy()
        self._rows: dict[str | None, object] = {}

    def changes(self, rows, as_decimal=lambda v: v) -> list[tuple[int, str, str]]:
        """(firm id, old class, new class) for the rows whose class changes."""
        changed = []
        for firm_id, industry, old, employees, revenue, assets in rows:
            if industry not in self._rows:
                self._rows[industry] = self.policy.classify_industry(industry)[0] if industry else None
            new = (classify_size(self._rows[industry], employees=employees, revenue=as_decimal(revenue),
                                 total_assets=as_decimal(assets)) if industry else SizeClass.UNKNOWN).value
            if new != old:
                changed.append((firm_id, old, new))
        return changed


def pages(conn, scope: str = "", as_decimal=lambda v: v, classifier: SizeClassifier | None = None):
    """Yield each page's changes, paging over the firms `scope` selects (a JOIN clause, or all firms)."""
    classifier, last = classifier or SizeClassifier(), 0
    statement = text(LATEST.format(scope=scope, page=PAGE))
    while True:
        rows = conn.execute(statement, {"last": last}).all()
        if not rows:
            return
        yield classifier.changes(rows, as_decimal)
        last = rows[-1][0]


def reclassify_firms(session, *, now: datetime, actor=None, comment: str) -> int:
    """Re-run 划型 for every stored firm under the current policy; returns how many changed class."""
    policy, total = default_policy(), 0
    for changed in pages(session.connection(), classifier=SizeClassifier(policy)):
        if not changed:
            continue
        session.execute(update(Firm), [{"id": i, "size_class": new, "updated_at": now} for i, _, new in changed])
        session.execute(insert(AuditEvent), [
            {"subject_type": "firm", "subject_id": i, "firm_id": i, "action": "update", "from_state": None,
             "to_state": None, "actor_id": getattr(actor, "id", None),
             "actor_name": getattr(actor, "username", None) or "system", "at": now, "comment": comment,
             "evidence": {"changes": {"size_class": [old, new]}, "policy_version": policy.version}}
            for i, old, new in changed])
        total += len(changed)
    return total
