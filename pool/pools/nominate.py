"""Nominating firms: from the firm page, from a firm search (several at once) and from a list of USCCs.

Every nomination is its own transaction, committed when it succeeds and rolled back when it is refused,
so a list of 300 codes with 12 bad lines nominates the other 288 and says what happened on every line:
已推荐 / 不符合条件 (with every reason) / 未找到 / 非本区县 / 已在库 / 代码格式错误 (naming the position).
The shared fields (reason, type, batch) are checked once first: were they wrong, every line would fail
alike, so the form comes back with the messages beside the fields and nothing is written.
The room left toward the pool's target and capacity is shown while nominating.
"""

from dataclasses import asdict, dataclass, field

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from models import db
from models.enums import PoolLevel
from pool import clock, prg
from pool.auth.views import requires
from pool.pools.forms import FirmNominationForm, ListNominationForm, NominationForm, SearchForm
from pool.pools.views import actor, bp, may_nominate
from pool.uow import unit_of_work
from workflows.checks.wording import describe_all
from workflows.errors import (
    Duplicate,
    GuardFailed,
    IllegalTransition,
    NotFound,
    NotPermitted,
    StaleVersion,
    ValidationFailed,
)
from workflows.inbox.actions import nominate_for
from workflows.inbox.queries import flag_by_id
from workflows.membership import _clean_nomination as check_nomination  # the checks `nominate` runs first
from workflows.membership import eligibility_reasons, nominate
from workflows.permissions import in_scope
from workflows.pool_queries import (
    firm_for_nomination,
    nomination_candidates,
    nomination_pools,
    pool_fill,
)
from workflows.pools import get_pool
from workflows.queries import firm_by_uscc, parse_paging
from workflows.rules.batch import intake_batch
from workflows.rules.text import is_int_text
from workflows.rules.uscc import UsccError, validate_uscc

MAX_LINES = 2000
MAX_UPLOAD = 512 * 1024


def default_batch() -> str:
    return intake_batch(clock.today())


@dataclass
class Outcome:
    """One firm or line of a multi-firm nomination and what became of it."""

    code: str
    line: int | None = None
    ok: bool = False
    label: str = ""
    detail: str = ""
    reasons: list[str] = field(default_factory=list)
    firm_name: str | None = None
    uscc: str | None = None
    membership_id: int | None = None


def _nominable_pool(pool_id: int):
    pool = get_pool(db.session, pool_id)
    if not may_nominate(current_user, pool):
        abort(403)
    return pool


def nominate_one(pool, raw: str, values: dict, now, line: int | None = None) -> Outcome:
    """Validate the code, find the firm, nominate it, commit; or roll back and say why not."""
    out = Outcome(raw.strip(), line)
    try:
        code = validate_uscc(raw)
    except UsccError as exc:
        out.label, out.detail = "代码格式错误", exc.message
        return out
    try:
        firm = firm_for_nomination(db.session, code)
    except NotFound:
        out.label = "未找到"
        return out
    foreign = not in_scope(current_user, firm.district_code) \
        or (pool.level == PoolLevel.COUNTY and firm.district_code != pool.district_code)
    if foreign:
        out.label, out.detail = "非本区县", f"该企业不属于{pool.district.name if pool.district else '本区县'}"
        return out
    out.firm_name, out.uscc = firm.name, firm.uscc
    try:
        with unit_of_work():
            membership = nominate(db.session, pool, firm, actor=actor(), now=now, **values)
    except Duplicate as exc:
        out.label, out.detail = "已在库", exc.message
    except GuardFailed as exc:
        out.label, out.reasons = "不符合条件", [r.message for r in exc.reasons]
    except (NotPermitted, ValidationFailed) as exc:
        out.label, out.detail = "未推荐", exc.message
    else:
        out.ok, out.label, out.membership_id = True, "已推荐", membership.id
    return out


def _shared_values(form: NominationForm) -> dict:
    values = form.values()
    return {"reason": values["reason"], "cultivation_type": values["cultivation_type"], "batch": values["batch"]}


# ----------------------------------------------------------------------------------- from the firm page


def _flag_for(firm):
    """The 工作提醒 this nomination answers (`?flag=` from the inbox), when it is this firm's and still open:
    the nomination and marking it acted then go in one unit of work (`workflows.inbox.actions`)."""
    raw = (request.values.get("flag") or "").strip()
    if not is_int_text(raw):
        return None
    flag = flag_by_id(db.session, int(raw), current_user)
    return flag if flag.firm_id == firm.id and flag.state == "open" else None


def _nominate(firm, pool, flag, values: dict):
    if flag is None:
        return nominate(db.session, pool, firm, actor=actor(), now=clock.now(), **values)
    return nominate_for(db.session, flag, pool, actor=actor(), now=clock.now(),
                        expected_version=request.form.get("flag_version"), **values)


@bp.route("/firms/<uscc>/nominate", methods=["GET", "POST"])
@requires("pool.nominate")
def nominate_firm(uscc: str):
    firm = firm_by_uscc(db.session, uscc, current_user)
    pools, default = nomination_pools(db.session, firm)
    pools = [p for p in pools if may_nominate(current_user, p)]
    fills = [pool_fill(db.session, p) for p in pools]
    form = FirmNominationForm.build(request.form if request.method == "POST" else None, default_batch=default_batch())
    form.set_pools(fills, default if request.method == "GET" else None)
    status, message, reasons, others = 200, "", [], []
    flag = _flag_for(firm)
    if request.method == "POST":
        chosen = next((p for p in pools if str(p.id) == (form.pool.data or "")), None)
        try:
            if chosen is None:
                raise ValidationFailed("请选择培育库", fields={"pool": "请选择培育库"})
            with unit_of_work():
                membership = _nominate(firm, chosen, flag, _shared_values(form))
        except (ValidationFailed, GuardFailed, Duplicate, StaleVersion, IllegalTransition) as exc:
            status, message, reasons = exc.status, exc.message, exc.reasons
            others = form.apply(exc) if exc.fields else []
        else:
            done = "；该工作提醒已标记为已处理" if flag is not None else ""
            flash(f"已推荐入{chosen.name}，待审核{done}。", "success")
            return redirect(url_for(".membership", membership_id=membership.id))
    return render_template(
        "pools/nominate_firm.html", firm=firm, form=form, fills=fills, message=message, reasons=reasons,
        others=others, reasons_now=eligibility_reasons(db.session, firm, clock.today()), flag=flag,
        flag_reasons=describe_all(flag.reasons) if flag is not None else [],
    ), status


# ------------------------------------------------------------------------------ from a search or a list


def _search_args(args) -> tuple[str, bool, dict]:
    """The search box's query, its 仅显示可推荐 switch (on until the search form says otherwise) and the
    arguments that keep both on page links and after a refused POST (the forms carry them as hidden inputs)."""
    q = (args.get("q") or "").strip()
    searched = bool((args.get("searched") or "").strip())
    only_open = (args.get("open") or "") not in ("", "0", "false") if searched else True
    query = {"searched": "1", "q": q, "open": "y" if only_open else ""}
    return q, only_open, {k: v for k, v in query.items() if v}


def _render_pool_page(pool, status: int = 200, *, pick=None, listing=None, pick_error: str = ""):
    args = request.args if request.method == "GET" else request.form
    q, only_open, query = _search_args(args)
    search = SearchForm(data={"q": q, "open": only_open})
    page_no, per_page = parse_paging(args, default=20, maximum=100)
    candidates = nomination_candidates(db.session, current_user, pool, clock.today(), q=q or None,
                                       only_open=only_open, page=page_no, per_page=per_page)
    return render_template(
        "pools/nominate_pool.html", pool=pool, fill=pool_fill(db.session, pool), search=search,
        candidates=candidates, query=query, page_no=page_no, selected=set(request.form.getlist("uscc")),
        pick=pick or NominationForm.build(None, default_batch=default_batch(), prefix="pick-"),
        listing=listing or ListNominationForm.build(None, default_batch=default_batch(), prefix="list-"),
        pick_error=pick_error,
    ), status


@bp.get("/pools/<int:pool_id>/nominate")
@requires("pool.nominate")
def nominate_pool(pool_id: int):
    return _render_pool_page(_nominable_pool(pool_id))


def _checked(form: NominationForm) -> dict | None:
    """The shared fields, or None with the messages put beside them."""
    values = _shared_values(form)
    try:
        check_nomination(**values)
    except ValidationFailed as exc:
        form.apply(exc)
        return None
    return values


def _results(pool, outcomes: list[Outcome], source: str):
    """Post/redirect/get: the report is shown by `nominate_results`, so a reload never nominates again."""
    return prg.redirect_to(".nominate_results", "nominate", {"source": source, "pool_id": pool.id,
                           "outcomes": [asdict(o) for o in outcomes]}, pool_id=pool.id)


@bp.get("/pools/<int:pool_id>/nominate/results/<token>")
@requires("pool.nominate")
def nominate_results(pool_id: int, token: str):
    pool = _nominable_pool(pool_id)
    report = prg.load("nominate", token)
    if report["pool_id"] != pool.id:
        abort(404)
    items = [Outcome(**o) for o in report["outcomes"]]
    ok = sum(1 for o in items if o.ok)
    return render_template("pools/nominate_results.html", pool=pool, fill=pool_fill(db.session, pool),
                           outcomes=items, ok=ok, failed=len(items) - ok, source=report["source"])


@bp.post("/pools/<int:pool_id>/nominate")
@requires("pool.nominate")
def nominate_selected(pool_id: int):
    pool = _nominable_pool(pool_id)
    form = NominationForm.build(request.form, default_batch=default_batch(), prefix="pick-")
    codes = list(dict.fromkeys(c.strip() for c in request.form.getlist("uscc") if c.strip()))
    values = _checked(form)
    if values is None or not codes:
        return _render_pool_page(pool, 400, pick=form, pick_error="" if codes else "请至少勾选一家企业。")
    now = clock.now()
    return _results(pool, [nominate_one(pool, code, values, now) for code in codes], "selected")


def read_lines(text: str) -> list[tuple[int, str]]:
    """(line number, code) for each non-empty line: the first column of a CSV or tab-separated line, quotes
    and BOM stripped; a first line without any digit is a header and is skipped."""
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        cell = line.replace("\ufeff", "").replace("\t", ",").split(",")[0].strip().strip("\"'").strip()
        if cell:
            lines.append((number, cell))
    if lines and not any(ch.isdigit() for ch in lines[0][1]):
        lines = lines[1:]
    return lines


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 as Chinese Excel and Notepad write it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _list_text(form: ListNominationForm) -> str:
    upload = request.files.get(form.file.name)
    if upload and upload.filename:
        if not upload.filename.lower().endswith((".txt", ".csv")):
            raise ValidationFailed("文件类型不支持", fields={"file": "请上传 .txt 或 .csv 文件"})
        data = upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise ValidationFailed("文件过大", fields={"file": f"文件不能超过{MAX_UPLOAD // 1024}KB"})
        return decode(data)
    return form.usccs.data or ""


@bp.post("/pools/<int:pool_id>/nominate/list")
@requires("pool.nominate")
def nominate_list(pool_id: int):
    pool = _nominable_pool(pool_id)
    form = ListNominationForm.build(request.form, default_batch=default_batch(), prefix="list-")
    values = _checked(form)
    try:
        lines = read_lines(_list_text(form))
        if not lines:
            raise ValidationFailed("清单为空", fields={"usccs": "请粘贴代码或上传文件，每行一个"})
        if len(lines) > MAX_LINES:
            raise ValidationFailed("清单过长", fields={"usccs": f"一次最多{MAX_LINES}行，请分批提交"})
    except ValidationFailed as exc:
        form.apply(exc)
        values = None
    if values is None:
        return _render_pool_page(pool, 400, listing=form)
    now, seen, outcomes = clock.now(), {}, []
    for number, code in lines:
        key = code.strip().upper()
        if key in seen:
            outcomes.append(Outcome(code, number, label="重复", detail=f"与第{seen[key]}行相同，已忽略"))
            continue
        seen[key] = number
        outcomes.append(nominate_one(pool, code, values, now, number))
    return _results(pool, outcomes, "list")
