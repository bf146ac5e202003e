"""The 成长之星 campaign on the engine (DESIGN §6), one per year.

    draft ──screen──> screening ──open_nomination──> nominating ──close_nomination──> reviewing
                        │  ↺ rescreen                    ↑                              │  ↺ send_back (leader)
                        │                                └──reopen_nomination (reason)──┤
                        │                                                              approve (leader)
                        │                                                               ↓
                        │                          reviewing <──send_back (reason)── approved ──publish──> published

City staff create the campaign and take every step but the leader's: `approve` (the shortlist as a whole)
and `send_back` (with a reason: back to review, from review itself or after approving). The ways back
need a written reason (the `reason` field; through the API a `comment` alone serves as one). Every step is
one audit event on the campaign's timeline; its consequences (flags resolved when nomination closes, each
entry awarded or closed when the list is published) are audited on their own subjects.

Screening is work for the scheduler process: `screen` and `rescreen` queue a run of
`growth_star_screening` (for the campaign's year: today, or 31 December when the year is over) and
`open_nomination` waits until that run has succeeded; a quota or factor edit while screening queues a new
one. Opening nomination fixes the candidate list (the run whose flags are the candidates) and its day
becomes the reference for eligibility.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import flag_modified

from models import Campaign, CampaignEntry, CampaignQuota, CheckRun, Flag
from models.enums import FlagKind, RunStatus, RunTrigger
from workflows.audit import as_json_value, record_event
from workflows.campaigns import quotas as quota_rules
from workflows.campaigns.settings import star_policy
from workflows.checks.runs import queue_run
from workflows.errors import Duplicate, IllegalTransition, NotFound, ValidationFailed
from workflows.flags import RESOLVE
from workflows.machine import Action, Field, State, Transition, Workflow, fire, register, start
from workflows.machine_sets import fire_set
from workflows.permissions import CITY_STAFF_ONLY, LEADERS, require
from workflows.reasons import Reason
from workflows.rules.text import is_int_text
from workflows.timefmt import local_date

CHECK = "growth_star_screening"
EDITABLE = ("draft", "screening")  # quotas, total and factor change only before nomination opens
WAYS_BACK = ("reopen_nomination", "send_back")
MAX_TOTAL = 10_000


def reference_day(campaign: Campaign, today: date) -> date:
    """The day a screening runs for: today in the campaign's year, its last day once the year is over."""
    return min(today, date(campaign.year, 12, 31))


# --- guards and effects ----------------------------------------------------------------------------------

def _year_begun(t: Transition) -> list[Reason]:
    year = t.subject.year
    if local_date(t.now).year < year:
        return [Reason("year_not_begun", f"{year}年尚未开始：筛选比较{year - 1}、{year - 2}两年的年度数据，"
                                         f"须在{year}年1月1日以后进行", value=local_date(t.now).isoformat())]
    return []


def _record_run(t: Transition) -> None:
    t.subject.screening_run_id = t.evidence["check_run"]


def latest_screening(session, year: int) -> CheckRun | None:
    """The newest successful screening run for the year."""
    return session.scalar(select(CheckRun).where(
        CheckRun.check == CHECK, CheckRun.status == RunStatus.SUCCEEDED,
        CheckRun.period_key.like(f"{year}-%")).order_by(CheckRun.id.desc()).limit(1))


def _screened(t: Transition) -> list[Reason]:
    campaign = t.subject
    run = t.session.get(CheckRun, campaign.screening_run_id) if campaign.screening_run_id else None
    if run is None:
        return [Reason("not_screened", "尚未筛选候选企业")]
    if run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        return [Reason("screening_running", f"候选筛选（运行 #{run.id}）尚未完成，请稍后再开放提名")]
    if run.status == RunStatus.FAILED:
        return [Reason("screening_failed", f"候选筛选（运行 #{run.id}）失败：{run.error or '原因不明'}；请重新筛选")]
    return []


def _deadline_ahead(t: Transition) -> list[Reason]:
    deadline = t.values.get("nomination_deadline") or t.subject.nomination_deadline
    today = local_date(t.now)
    if deadline < today:
        return [Reason("nomination_deadline", f"提名截止日期{deadline.isoformat()}已过，请先修改截止日期",
                       value=today.isoformat(), threshold=deadline.isoformat())]
    return []


def _fix_candidates(t: Transition) -> None:
    """The candidate list is the newest successful screening of the year: the campaign's own (the guard
    saw it succeed), or one run since from the checks page."""
    own = t.session.get(CheckRun, t.subject.screening_run_id)
    with t.session.no_autoflush:  # flushing the half-moved campaign here would bump its version twice
        latest = latest_screening(t.session, t.subject.year)
    run = latest if latest is not None and latest.id > own.id else own
    t.subject.candidates_run_id, t.subject.screened_on = run.id, run.today
    t.changes["screened_on"] = [None, run.today.isoformat()]


def _lock_quotas(t: Transition) -> None:
    """Serialise with nominations and quota edits in flight (they lock their district's row first)."""
    quota_rules.lock_all(t.session, t.subject.id)


def _resolve_candidates(t: Transition) -> None:
    """Candidates nobody nominated leave the officers' 工作提醒 when nomination closes."""
    live = select(Flag.id).where(Flag.kind == FlagKind.GROWTH_STAR, Flag.period == str(t.subject.year),
                                 Flag.is_open.is_(True))
    with t.session.no_autoflush:
        n = fire_set(t.session, "flag", Flag, RESOLVE, live, actor=t.actor, now=t.now,
                     comment=f"{t.subject.year}年成长之星提名已截止", evidence={"campaign": t.subject.year})
    t.evidence["flags_resolved"] = n


def _new_deadline(t: Transition) -> None:
    deadline = t.values.get("nomination_deadline")
    if deadline is not None and deadline != t.subject.nomination_deadline:
        t.changes["nomination_deadline"] = [t.subject.nomination_deadline.isoformat(), deadline.isoformat()]
        t.subject.nomination_deadline = deadline


def _remarked(t: Transition) -> None:
    """The leader's remarks change no column, yet the step must bump the version like any other (a page
    still showing the campaign before them is out of date): mark the row changed."""
    flag_modified(t.subject, "state")


def _entries(t: Transition, state: str | None = None) -> list[CampaignEntry]:
    stmt = select(CampaignEntry).where(CampaignEntry.campaign_id == t.subject.id)
    if state:
        stmt = stmt.where(CampaignEntry.state == state)
    with t.session.no_autoflush:
        return list(t.session.scalars(stmt.order_by(CampaignEntry.district_code, CampaignEntry.id)))


def _all_reviewed(t: Transition) -> list[Reason]:
    waiting = _entries(t, "nominated")
    if not waiting:
        return []
    return [Reason("not_reviewed", f"尚有{len(waiting)}家提名企业未复核（入围或不予入围）", value=len(waiting))]


def _some_shortlisted(t: Transition) -> list[Reason]:
    if _entries(t, "shortlisted"):
        return []
    return [Reason("empty_shortlist", "入围名单为空，无可批准的企业")]


def _publish(t: Transition) -> None:
    """Each shortlisted entry is awarded (its honour written), each declined one closed: consequences."""
    t.subject.published_at = t.now
    for entry in _entries(t):
        if entry.state == "shortlisted":
            t.cause(entry, "award", comment=f"{t.subject.year}年成长之星名单发布")
        elif entry.state == "declined":
            t.cause(entry, "close", comment=f"{t.subject.year}年成长之星名单发布，未获评")


def _clean_date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError("日期格式应为YYYY-MM-DD，如2026-03-31") from None


REASON = Field("reason", "退回理由", kind="textarea")
NEW_DEADLINE = Field("nomination_deadline", "新的提名截止日期（选填）", required=False, clean=_clean_date)

CAMPAIGN = register(Workflow(
    "campaign",
    "成长之星评选",
    [
        State("draft", "草拟", initial=True),
        State("screening", "候选筛选"),
        State("nominating", "区县提名"),
        State("reviewing", "市局复核"),
        State("approved", "领导已批准"),
        State("published", "已发布", final=True),
    ],
    [
        ("draft", "screening", Action("screen", "开始筛选", CITY_STAFF_ONLY, guards=(_year_begun,),
                                      effects=(_record_run,))),
        ("screening", "screening", Action("rescreen", "重新筛选", CITY_STAFF_ONLY, effects=(_record_run,))),
        ("screening", "nominating", Action("open_nomination", "开放提名", CITY_STAFF_ONLY,
                                           guards=(_screened, _deadline_ahead),
                                           effects=(_lock_quotas, _fix_candidates))),
        ("nominating", "reviewing", Action("close_nomination", "截止提名", CITY_STAFF_ONLY,
                                           effects=(_lock_quotas, _resolve_candidates))),
        ("reviewing", "nominating", Action("reopen_nomination", "退回补充提名", CITY_STAFF_ONLY,
                                           fields=(REASON, NEW_DEADLINE), guards=(_deadline_ahead,),
                                           effects=(_new_deadline,))),
        ("reviewing", "approved", Action("approve", "批准名单", LEADERS, guards=(_all_reviewed, _some_shortlisted))),
        ("reviewing", "reviewing", Action("send_back", "退回复核意见", LEADERS, fields=(REASON,),
                                          effects=(_remarked,))),
        ("approved", "reviewing", Action("send_back", "退回复核", LEADERS | CITY_STAFF_ONLY, fields=(REASON,))),
        ("approved", "published", Action("publish", "发布名单", CITY_STAFF_ONLY, effects=(_publish,))),
    ],
))


# --- doing things to a campaign ----------------------------------------------------------------------------

def act(session, campaign: Campaign, action: str, *, actor, now: datetime, expected_version, comment: str = "",
        values: dict | None = None):
    """One campaign action through the engine. `screen` and `rescreen` queue their screening first (inside
    the caller's transaction, so a refused step leaves no run behind); a way back takes its reason from the
    comment when the `reason` field is not given, and records the reason as the step's comment."""
    values = dict(values or {})
    evidence = None
    if action in WAYS_BACK:
        reason = values.get("reason")
        if reason in (None, "") and isinstance(comment, str) and comment.strip():
            values["reason"] = comment
        elif isinstance(reason, str) and not comment:
            comment = reason
    if action in ("screen", "rescreen") and CAMPAIGN.edge(campaign.state, action) is not None:
        require(actor, "campaign.manage")
        run = queue_run(session, CHECK, today=reference_day(campaign, local_date(now)), actor=actor, now=now,
                        trigger=RunTrigger.USER)
        evidence = {"check_run": run.id}
    return fire(session, campaign, action, actor=actor, now=now, expected_version=expected_version,
                comment=comment, values=values, evidence=evidence)


def get_campaign(session, year) -> Campaign:
    try:
        number = int(year)
    except (TypeError, ValueError):
        raise NotFound("未找到该年度的评选") from None
    campaign = session.scalar(select(Campaign).where(Campaign.year == number))
    if campaign is None:
        raise NotFound(f"未找到{number}年度的成长之星评选")
    return campaign


def clean_settings(data: dict, today: date, *, creating: bool) -> dict:
    """The campaign's own figures and dates, each refused with its field's name (400)."""
    if not isinstance(data, dict):
        raise ValidationFailed("提交的内容有误", fields={"body": "应为JSON对象"})
    clean, errors = {}, {}
    star = star_policy()
    for name, label, low, high in (("year", "年度", 2000, today.year + 1), ("total", "总名额", 1, MAX_TOTAL)):
        if name not in data:
            if creating and name == "year":
                errors[name] = "此项必填"
            elif creating:
                clean[name] = star.default_total
            continue
        value = data[name]
        if is_int_text(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = f"{label}应为{low}至{high}之间的整数"
        else:
            clean[name] = value
    if "candidate_factor" in data or creating:
        raw = data.get("candidate_factor", star.candidate_factor)
        try:
            factor = Decimal(str(raw).strip()) if not isinstance(raw, bool) and raw not in (None, "") else None
        except InvalidOperation:
            factor = None
        if factor is None or not Decimal(1) <= factor <= Decimal(10) or factor != factor.quantize(Decimal("0.01")):
            errors["candidate_factor"] = "候选倍数应为1至10之间的数（至多两位小数）"
        else:
            clean["candidate_factor"] = factor
    for name in ("nomination_deadline", "review_deadline"):
        if name not in data:
            if creating:
                errors[name] = "此项必填"
            continue
        try:
            clean[name] = _clean_date(data[name])
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise ValidationFailed("评选设置有误", fields=errors)
    return clean


def _check_dates(nomination: date, review: date) -> None:
    if review < nomination:
        raise ValidationFailed("评选设置有误", fields={"review_deadline": "复核截止日期不能早于提名截止日期"})


def create_campaign(session, data: dict, *, actor, now: datetime) -> Campaign:
    """A new campaign in `draft`, its quotas the default split of its total (audited from no state)."""
    require(actor, "campaign.manage")
    today = local_date(now)
    clean = clean_settings(data, today, creating=True)
    errors, split = {}, {}
    for check in (lambda: _check_dates(clean["nomination_deadline"], clean["review_deadline"]),
                  lambda: split.update(quota_rules.propose_quotas(session, clean["total"]))):
        try:
            check()
        except ValidationFailed as exc:  # both told at once
            errors |= exc.fields
    if errors:
        raise ValidationFailed("评选设置有误", fields=errors)
    if session.scalar(select(Campaign.id).where(Campaign.year == clean["year"])) is not None:
        raise Duplicate(f"{clean['year']}年度的成长之星评选已经存在")
    campaign = Campaign(**clean, created_by_id=getattr(actor, "id", None), created_at=now,
                        quotas=[CampaignQuota(district_code=code, quota=n) for code, n in split.items()])
    try:
        start(session, campaign, "create", actor=actor, now=now, comment=(data.get("comment") or "").strip()
              if isinstance(data.get("comment"), str) else "",
              evidence={"settings": {k: as_json_value(v) for k, v in clean.items()}, "quotas": split})
    except IntegrityError as exc:
        raise Duplicate(f"{clean['year']}年度的成长之星评选已经存在") from exc
    return campaign


def edit_campaign(session, campaign: Campaign, data: dict, *, actor, now: datetime, comment: str = "") -> dict:
    """Deadlines (until published); quotas, total and factor (until nomination opens). Quotas given
    replace those districts' and the total becomes their sum; a total alone is split again. Audited as one
    `edit` event; while screening, the candidates are screened again."""
    require(actor, "campaign.manage")
    data = dict(data or {})
    raw_quotas = data.pop("quotas", None)
    clean = clean_settings(data, local_date(now), creating=False)
    clean.pop("year", None)
    quota_rules.lock_all(session, campaign.id)
    session.refresh(campaign)
    figures = raw_quotas is not None or "total" in clean or "candidate_factor" in clean
    if campaign.state == "published" or (figures and campaign.state not in EDITABLE):
        what = "名额、总名额和候选倍数只能在开放提名前调整" if figures else "评选已发布，不能再修改"
        raise IllegalTransition(what)
    changes: dict = {}
    if raw_quotas is not None:
        wanted = quota_rules.clean_quotas(raw_quotas, quota_rules.district_codes(session))
    elif "total" in clean and clean["total"] != campaign.total:
        wanted = quota_rules.propose_quotas(session, clean["total"])
    else:
        wanted = {}
    moved = quota_rules.apply_quotas(session, campaign, wanted) if wanted else {}
    if moved:
        changes["quotas"] = moved
        clean["total"] = sum(q.quota for q in campaign.quotas)
    _check_dates(clean.get("nomination_deadline", campaign.nomination_deadline),
                 clean.get("review_deadline", campaign.review_deadline))
    for name, value in clean.items():
        if getattr(campaign, name) != value:
            changes[name] = [as_json_value(getattr(campaign, name)), as_json_value(value)]
            setattr(campaign, name, value)
    if not changes:
        return {}
    if campaign.state == "screening" and (moved or "total" in changes or "candidate_factor" in changes):
        run = queue_run(session, CHECK, today=reference_day(campaign, local_date(now)), actor=actor, now=now,
                        trigger=RunTrigger.USER)
        campaign.screening_run_id = run.id
        changes["screening_run"] = [None, run.id]
    record_event(session, subject_type="campaign", subject_id=campaign.id, firm_id=None, action="edit", actor=actor,
                 now=now, comment=comment, evidence={"changes": changes})
    session.flush()
    return changes


def campaign_years(session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.year.desc())))


def entry_count(session, campaign: Campaign) -> int:
    return session.scalar(select(func.count()).select_from(CampaignEntry)
                          .where(CampaignEntry.campaign_id == campaign.id)) or 0
