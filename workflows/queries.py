"""Read-side queries shared by the API and the pages, always narrowed to what the actor may see."""

from dataclasses import dataclass

from sqlalchemy import func, select

from models import AuditEvent, Firm, FirmTag, UpgradeCase
from models.enums import FirmStatus, IndustryTag, SizeClass, Stage
from workflows.errors import NotFound, ValidationFailed
from workflows.permissions import is_scoped
from workflows.rules.fields import clean_bool
from workflows.search import name_or_uscc  # its home is workflows.search; the other lists import it from here

FILTERS = ("district", "industry", "stage", "status", "size_class", "legal_form", "tags", "abnormal",
           "serious_violation", "tech_sme", "high_tech")
ENUM_FILTERS = {"stage": Stage, "status": FirmStatus, "size_class": SizeClass, "tags": IndustryTag}


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def scope_firms(stmt, actor):
    """County officers see only their own district, on every list and every lookup."""
    if is_scoped(actor):
        return stmt.where(Firm.district_code == actor.district_code)
    return stmt


def firm_by_uscc(session, uscc: str, actor) -> Firm:
    """Another district's firm is 'not found' for an officer: its existence is not disclosed."""
    firm = session.scalar(scope_firms(select(Firm), actor).where(Firm.uscc == (uscc or "").upper()))
    if firm is None:
        raise NotFound("未找到该企业")
    return firm


def case_by_id(session, case_id: int, actor) -> UpgradeCase:
    stmt = scope_firms(select(UpgradeCase).join(UpgradeCase.firm), actor).where(UpgradeCase.id == case_id)
    case = session.scalar(stmt)
    if case is None:
        raise NotFound("未找到该案件")
    return case


def parse_paging(args, *, default: int = 20, maximum: int = 200) -> tuple[int, int]:
    errors = {}
    try:
        page = int(args.get("page", 1))
        if page < 1:
            raise ValueError
    except ValueError:
        errors["page"] = "页码应为正整数"
        page = 1
    try:
        per_page = int(args.get("per_page", default))
        if not 1 <= per_page <= maximum:
            raise ValueError
    except ValueError:
        errors["per_page"] = f"每页条数应在1至{maximum}之间"
        per_page = default
    if errors:
        raise ValidationFailed("分页参数有误", fields=errors)
    return page, per_page


def firm_filters(args) -> dict:
    """Validate list filters given as query parameters; empty values mean 'no filter'."""
    clean, errors = {}, {}
    for key in FILTERS:
        value = (args.get(key) or "").strip()
        if not value:
            continue
        if key in ENUM_FILTERS and value not in {e.value for e in ENUM_FILTERS[key]}:
            errors[key] = f"取值无效：{value}"
        elif key in ("abnormal", "serious_violation", "tech_sme", "high_tech"):
            try:
                clean[key] = clean_bool(value)
            except ValueError as exc:
                errors[key] = str(exc)
        else:
            clean[key] = value.upper() if key == "industry" else value
    q = (args.get("q") or "").strip()
    if q:
        clean["q"] = q
    if errors:
        raise ValidationFailed("筛选条件有误", fields=errors)
    return clean


def filtered_firms(actor, filters: dict, session=None):
    """Every filter is answered from an index: the district, stage, status, size class, 组织形式 and marker
    columns are indexed, an industry prefix is a range on its index, a tag is looked up in `firm_tags`, and
    `q` goes to the name and USCC indexes (`workflows.search`; `session` lets SQLite judge a broad part)."""
    stmt = scope_firms(select(Firm), actor)
    for key, value in filters.items():
        if key == "district":
            stmt = stmt.where(Firm.district_code == value)
        elif key == "industry":
            stmt = stmt.where(*industry_prefix(value))
        elif key == "tags":
            stmt = stmt.where(Firm.id.in_(select(FirmTag.firm_id).where(FirmTag.tag == value)))
        elif key == "q":
            stmt = stmt.where(name_or_uscc(value, session))
        else:
            stmt = stmt.where(getattr(Firm, key) == value)
    return stmt


def industry_prefix(code: str) -> tuple:
    """GB/T 4754 codes starting with `code` (upper-case letters and digits) as a range on the industry index:
    what `LIKE 'C3%'` means, but PostgreSQL (outside the C locale) and SQLite (case-blind LIKE) can only
    answer the range from a plain index."""
    return Firm.industry >= code, Firm.industry < code[:-1] + chr(ord(code[-1]) + 1)


def list_firms(session, actor, filters: dict, page: int, per_page: int) -> Page:
    """The page's ids first, then their rows: a firm row is loaded with its district (a joined load), and
    joining and sorting every match's row to keep 20 costs more than the search when thousands match."""
    stmt = filtered_firms(actor, filters, session)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    ids = stmt.with_only_columns(Firm.id).order_by(Firm.id).limit(per_page).offset((page - 1) * per_page)
    rows = session.scalars(select(Firm).where(Firm.id.in_(ids)).order_by(Firm.id)).all()
    return Page(list(rows), total or 0, page, per_page)


def firm_counts(session, actor) -> dict[tuple[str, str], int]:
    """{(district code, stage): active (存续) firms} the actor may see: the home page's city table, and by
    summing it, its totals per rung. Active firms, as the leaders' funnel counts them, so the two pages agree;
    read from the kept stage tally, not a pass over the register."""
    from workflows.plans.tallies import stage_counts  # the tally's reader lives with the dashboard's

    counts = stage_counts(session, FirmStatus.ACTIVE)
    if is_scoped(actor):
        return {key: n for key, n in counts.items() if key[0] == actor.district_code}
    return counts


def firm_cases(session, firm: Firm) -> list[UpgradeCase]:
    return list(session.scalars(
        select(UpgradeCase).where(UpgradeCase.firm_id == firm.id).order_by(UpgradeCase.opened_at.desc())
    ))


def firm_lineage_ids(firm: Firm) -> list[int]:
    """A firm set up by 注销+设立 carries its predecessor's history with it."""
    ids, current = [], firm
    while current is not None and current.id not in ids:
        ids.append(current.id)
        current = current.predecessor
    return ids


def firm_history_stmt(firm: Firm, kinds: set[str] | None = None, actions: set[str] | None = None):
    """Every audit event of the firm's lineage (its own edits, its cases, its pool memberships), newest first.

    Filtering by `AuditEvent.subject_type` rather than a fixed list lets a new kind of subject show up
    on the timeline without touching this query.
    """
    stmt = select(AuditEvent).where(AuditEvent.firm_id.in_(firm_lineage_ids(firm)))
    if kinds:
        stmt = stmt.where(AuditEvent.subject_type.in_(kinds))
    if actions:
        stmt = stmt.where(AuditEvent.action.in_(actions))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def firm_history(session, firm: Firm, kinds: set[str] | None = None) -> list[AuditEvent]:
    return list(session.scalars(firm_history_stmt(firm, kinds)))


def firm_history_page(session, firm: Firm, *, kinds: set[str] | None = None, actions: set[str] | None = None,
                      page: int = 1, per_page: int = 20) -> Page:
    stmt = firm_history_stmt(firm, kinds, actions)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(rows), total or 0, page, per_page)


def firm_history_facets(session, firm: Firm) -> list[tuple[str, str]]:
    """The (subject_type, action) pairs the firm's history holds: the timeline's filter choices."""
    stmt = select(AuditEvent.subject_type, AuditEvent.action).distinct() \
        .where(AuditEvent.firm_id.in_(firm_lineage_ids(firm)))
    return [tuple(row) for row in session.execute(stmt)]


def case_history(session, case: UpgradeCase) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.subject_type == "case", AuditEvent.subject_id == case.id)
    return list(session.scalars(stmt.order_by(AuditEvent.at, AuditEvent.id)))
