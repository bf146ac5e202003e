"""Every route of the URL map, as every role: the answer each gets, and a refused write changes nothing.

Roles, in the order of each row's answers: anonymous, admin, city staff, leader, 西湖区's county officer (`own`:
the objects are theirs) and 上城区's (`other`). Pages send the anonymous to the login page (302), the API
answers 401; a role without the capability gets 403; another district's object is 404 (its existence is not
revealed). Objects are the fixture world's (tests/functional/world.py): one of each kind per district.

A route added to the app without a row here fails `test_every_route_has_a_row`, naming the rule: add the row
(one line) with the answers the new route should give. Writes run with CSRF off (TestConfig; CSRF itself is
tested in test_auth_pages and the form tests), each in a savepoint rolled back afterwards, so rows never see
each other's changes. Every write answered 4xx must leave the audit trail and every subject's state as it was.
"""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, XIHU, uscc
from tests.functional.matrix import ROLES, Row, ask, fill, state

FIRM_BODY = {"uscc": uscc(XIHU, n=987654), "name": "杭州矩阵测试有限公司", "legal_form": "有限责任公司",
             "district": "330106", "industry": "C39", "registered_on": "2019-05-20"}
CAMPAIGN_BODY = {"year": 2027, "total": 15, "candidate_factor": 1, "nomination_deadline": "2027-03-31",
                 "review_deadline": "2027-04-30"}
STATUS_BODY = {"change": "mark_abnormal", "effective_on": "2026-11-01", "source": "市场监管局"}
NEW_PASSWORD = "harbor-tulip-2027"
NEW_USER = {"username": "m_new", "display_name": "新同事", "role": "leader", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD}
REPORT_BODY = {"metric": "{metric}", "value": "12", "as_of": "2026-11-01", "source": "统计局"}

# (method, rule): Row(url, "anon admin city leader own other", body)
MATRIX: dict[tuple[str, str], Row] = {
    # --- pages: reads --------------------------------------------------------------------------------------
    ("GET", "/"): Row("/", "302 200 200 200 200 200"),
    ("GET", "/healthz"): Row("/healthz", "200 200 200 200 200 200"),
    ("GET", "/static/<path:filename>"): Row("/static/app.css", "200 200 200 200 200 200"),
    ("GET", "/login"): Row("/login", "200 302 302 302 302 302"),
    ("GET", "/firms/"): Row("/firms/", "302 403 200 200 200 200"),
    ("GET", "/firms/export.xlsx"): Row("/firms/export.xlsx", "302 403 200 200 200 200"),
    ("GET", "/firms/new"): Row("/firms/new", "302 403 200 403 200 200"),
    ("GET", "/firms/<uscc>"): Row("/firms/{firm}", "302 403 200 200 200 404"),
    ("GET", "/firms/<uscc>/edit"): Row("/firms/{firm}/edit", "302 403 200 403 200 404"),
    ("GET", "/firms/<uscc>/timeline"): Row("/firms/{firm}/timeline", "302 403 200 200 200 404"),
    ("GET", "/firms/<uscc>/status"): Row("/firms/{firm}/status", "302 403 200 403 200 404"),
    ("GET", "/firms/<uscc>/indicators/new"): Row("/firms/{firm}/indicators/new", "302 403 200 403 200 404"),
    ("GET", "/firms/<uscc>/indicators/<int:year>/edit"): Row("/firms/{firm}/indicators/2025/edit", "302 403 200 403 200 404"),
    ("GET", "/firms/<uscc>/nominate"): Row("/firms/{firm}/nominate", "302 403 200 403 200 404"),
    ("GET", "/cases/<int:case_id>"): Row("/cases/{case}", "302 403 200 200 200 404"),
    ("GET", "/worklist/"): Row("/worklist/", "302 403 200 200 200 200"),
    ("GET", "/worklist/export.xlsx"): Row("/worklist/export.xlsx", "302 403 200 200 200 200"),
    ("GET", "/pools/"): Row("/pools/", "302 403 200 200 200 200"),
    # another district's county pool: its figures are public, its member list is refused (403)
    ("GET", "/pools/<int:pool_id>/members"): Row("/pools/{pool}/members", "302 403 200 200 200 403"),
    ("GET", "/pools/<int:pool_id>/members/export.xlsx"): Row("/pools/{pool}/members/export.xlsx", "302 403 200 200 200 403"),
    ("GET", "/pools/<int:pool_id>/nominate"): Row("/pools/{pool}/nominate", "302 403 200 403 200 403"),
    ("GET", "/pools/<int:pool_id>/nominate/results/<token>"): Row("/pools/{pool}/nominate/results/nothing",
                                                                  "302 403 404 403 404 403"),
    ("GET", "/pools/review"): Row("/pools/review", "302 403 200 200 200 200"),
    ("GET", "/pools/review/bulk/<token>"): Row("/pools/review/bulk/nothing", "302 403 404 403 404 404"),
    ("GET", "/pools/targets"): Row("/pools/targets", "302 200 403 403 403 403"),
    ("GET", "/memberships/<int:membership_id>"): Row("/memberships/{member}", "302 403 200 200 200 404"),
    ("GET", "/imports/"): Row("/imports/", "302 403 200 403 200 200"),
    ("GET", "/imports/<int:run_id>"): Row("/imports/{import_run}", "302 403 200 403 200 404"),
    ("GET", "/imports/<int:run_id>/status"): Row("/imports/{import_run}/status", "302 403 200 403 200 404"),
    ("GET", "/imports/<int:run_id>/report.xlsx"): Row("/imports/{import_run}/report.xlsx", "302 403 404 403 404 404"),
    ("GET", "/imports/templates/<kind>.xlsx"): Row("/imports/templates/firms.xlsx", "302 403 200 403 200 200"),
    # an export job is its requester's own (西湖区's officer here): anyone else's is 404
    ("GET", "/exports/<int:job_id>"): Row("/exports/{export}", "302 403 404 404 200 404"),
    ("GET", "/exports/<int:job_id>/status"): Row("/exports/{export}/status", "302 403 404 404 200 404"),
    ("GET", "/exports/<int:job_id>/download"): Row("/exports/{export}/download", "302 403 404 404 404 404"),
    ("GET", "/inbox/"): Row("/inbox/", "302 403 200 200 200 200"),
    ("GET", "/inbox/<int:flag_id>"): Row("/inbox/{flag}", "302 403 200 200 200 404"),
    ("GET", "/checks/"): Row("/checks/", "302 403 200 403 403 403"),
    ("GET", "/checks/runs/<int:run_id>"): Row("/checks/runs/{check_run}", "302 403 200 403 403 403"),
    ("GET", "/campaigns/"): Row("/campaigns/", "302 403 200 200 200 200"),
    ("GET", "/campaigns/<int:year>"): Row("/campaigns/{year}", "302 403 200 200 200 200"),
    ("GET", "/campaigns/<int:year>/compare"): Row("/campaigns/{year}/compare?ids={entry}", "302 403 200 200 403 403"),
    ("GET", "/campaigns/<int:year>/entries/<int:entry_id>"): Row("/campaigns/{year}/entries/{entry}",
                                                                 "302 403 200 200 200 404"),
    # the 公示名单 exists once the campaign is published: 404 before, for everyone
    ("GET", "/campaigns/<int:year>/list"): Row("/campaigns/{year}/list", "302 403 404 404 404 404"),
    ("GET", "/campaigns/<int:year>/list.xlsx"): Row("/campaigns/{year}/list.xlsx", "302 403 404 404 404 404"),
    ("GET", "/campaigns/<int:year>/nominate"): Row("/campaigns/{year}/nominate", "302 403 200 403 200 200"),
    ("GET", "/campaigns/<int:year>/quotas"): Row("/campaigns/{year}/quotas", "302 403 200 403 403 403"),
    ("GET", "/campaigns/<int:year>/review"): Row("/campaigns/{year}/review", "302 403 200 200 403 403"),
    ("GET", "/dashboard"): Row("/dashboard", "302 403 200 200 200 200"),
    ("GET", "/dashboard/export.xlsx"): Row("/dashboard/export.xlsx", "302 403 200 200 200 200"),
    ("GET", "/dashboard/list"): Row("/dashboard/list?drill=rung&key=enterprise&district=330106", "302 403 200 200 200 403"),
    ("GET", "/plans"): Row("/plans", "302 403 200 200 200 200"),
    ("GET", "/plans/new"): Row("/plans/new", "302 403 200 403 403 403"),
    ("GET", "/plans/<int:plan_id>"): Row("/plans/{plan}", "302 403 200 200 200 200"),
    ("GET", "/plans/<int:plan_id>/metrics/<key>"): Row("/plans/{plan}/metrics/{metric}", "302 403 200 200 200 200"),
    # --- pages: writes -------------------------------------------------------------------------------------
    ("POST", "/login"): Row("/login", "200 302 302 302 302 302", {"username": "nobody", "password": "wrong-password"}),
    ("POST", "/logout"): Row("/logout", "302 302 302 302 302 302"),
    ("POST", "/firms/new"): Row("/firms/new", "302 403 302 403 302 403", FIRM_BODY),
    ("POST", "/firms/<uscc>/edit"): Row("/firms/{firm}/edit", "302 403 302 403 302 404",
                                        {"name": "杭州改名测试有限公司", "legal_form": "有限责任公司",
                                         "district": "330106", "industry": "C39", "registered_on": "2018-05-01"}),
    ("POST", "/firms/<uscc>/status"): Row("/firms/{firm}/status", "302 403 302 403 302 404", STATUS_BODY),
    ("POST", "/firms/<uscc>/indicators/new"): Row("/firms/{firm}/indicators/new", "302 403 302 403 302 404",
                                                  {"year": "2023", "revenue": "100"}),
    ("POST", "/firms/<uscc>/indicators/<int:year>/edit"): Row("/firms/{firm}/indicators/2025/edit",
                                                              "302 403 302 403 302 404", {"revenue": "160"}),
    ("POST", "/firms/<uscc>/nominate"): Row("/firms/{firm}/nominate", "302 403 302 403 302 404",
                                            {"pool": "{city_pool}", "reason": "成长性好", "cultivation_type": "growth",
                                             "batch": "2026-1"}),
    ("POST", "/cases/open/<uscc>"): Row("/cases/open/{firm}", "302 403 302 403 302 404", {"kind": "small_to_scale"}),
    ("POST", "/cases/<int:case_id>/actions/<action>"): Row("/cases/{case}/actions/start_cultivation",
                                                           "302 403 302 403 302 404", {"version": "{case_v}"}),
    ("POST", "/memberships/<int:membership_id>/actions/<action>"): Row(
        "/memberships/{member}/actions/remove", "302 403 302 403 302 404", {"version": "{member_v}", "reason": "violation"}),
    ("POST", "/pools/<int:pool_id>/nominate"): Row("/pools/{pool}/nominate", "302 403 400 403 400 403",
                                                   {"uscc": "{firm}", "reason": "成长性好",
                                                    "cultivation_type": "growth", "batch": "2026-1"}),
    ("POST", "/pools/<int:pool_id>/nominate/list"): Row("/pools/{pool}/nominate/list", "302 403 400 403 400 403",
                                                        {"usccs": "{firm}", "reason": "成长性好",
                                                         "cultivation_type": "growth", "batch": "2026-1"}),
    ("POST", "/pools/review/<int:membership_id>/<action>"): Row("/pools/review/{nominee}/admit", "302 403 302 403 302 404",
                                                                {"version": "{nominee_v}"}),
    # post/redirect/get to the report (303); another district's item fails on its own
    ("POST", "/pools/review/bulk"): Row("/pools/review/bulk", "302 403 303 403 303 303",
                                        {"action": "admit", "items": "{nominee}:{nominee_v}"}),
    ("POST", "/pools/targets"): Row("/pools/targets", "302 400 403 403 403 403", {"comment": "调整"}),
    ("POST", "/pools/targets/split"): Row("/pools/targets/split", "302 302 403 403 403 403"),
    ("POST", "/imports/"): Row("/imports/", "302 403 400 403 400 400", {"kind": "firms"}),
    ("POST", "/inbox/<int:flag_id>/dismiss"): Row("/inbox/{flag}/dismiss", "302 403 302 403 302 404",
                                                  {"reason": "已核实无误", "version": "{flag_v}"}),
    ("POST", "/inbox/<int:flag_id>/end/<any(remove, graduate):action>"): Row(
        "/inbox/{flag}/end/remove", "302 403 409 403 409 404", {"remove-reason": "violation", "remove-version": "{member_v}"}),
    ("POST", "/inbox/<int:flag_id>/open-case"): Row("/inbox/{flag}/open-case", "302 403 400 403 400 404"),
    ("POST", "/checks/runs"): Row("/checks/runs", "302 403 302 403 403 403", {"check": "upgrade_candidates"}),
    ("POST", "/campaigns/"): Row("/campaigns/", "302 403 302 403 403 403", CAMPAIGN_BODY),
    ("POST", "/campaigns/<int:year>/actions/<action>"): Row("/campaigns/{year}/actions/close_nomination",
                                                            "302 403 302 403 403 403", {"version": "{campaign_v}"}),
    ("POST", "/campaigns/<int:year>/deadlines"): Row("/campaigns/{year}/deadlines", "302 403 302 403 403 403",
                                                     {"nomination_deadline": "2026-12-30",
                                                      "review_deadline": "2027-01-31"}),
    ("POST", "/campaigns/<int:year>/quotas"): Row("/campaigns/{year}/quotas", "302 403 422 403 403 403", {"quota-330106": "2"}),
    ("POST", "/campaigns/<int:year>/entries"): Row("/campaigns/{year}/entries", "302 403 422 403 422 404",
                                                   {"uscc": "{nominee_firm}", "reason": "成长性突出"}),
    ("POST", "/campaigns/<int:year>/entries/<int:entry_id>/actions/<action>"): Row(
        "/campaigns/{year}/entries/{entry}/actions/withdraw", "302 403 302 403 302 404", {"version": "{entry_v}"}),
    ("POST", "/plans/new"): Row("/plans/new", "302 403 400 403 403 403", {"name": "矩阵计划"}),
    ("POST", "/plans/<int:plan_id>/metrics/<key>"): Row("/plans/{plan}/metrics/{metric}", "302 403 302 403 403 403",
                                                        {"value": "12", "as_of": "2026-11-01", "source": "统计局"}),
    # --- pages: accounts (the officer's account is the target of the admin's pages) ---------------------------
    ("GET", "/account/password"): Row("/account/password", "302 200 200 200 200 200"),
    ("POST", "/account/password"): Row("/account/password", "302 302 302 302 302 302",
                                       {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                        "confirm": NEW_PASSWORD}, personal=True),
    ("GET", "/admin/logins"): Row("/admin/logins", "302 200 403 403 403 403"),
    ("GET", "/admin/users/new"): Row("/admin/users/new", "302 200 403 403 403 403"),
    ("POST", "/admin/users/new"): Row("/admin/users/new", "302 302 403 403 403 403", NEW_USER),
    ("GET", "/admin/users/<int:user_id>/password"): Row("/admin/users/{officer_user}/password", "302 200 403 403 403 403"),
    ("POST", "/admin/users/<int:user_id>/password"): Row("/admin/users/{officer_user}/password", "302 302 403 403 403 403",
                                                         {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    ("POST", "/admin/users/<int:user_id>/active"): Row("/admin/users/{officer_user}/active", "302 302 403 403 403 403",
                                                       {"active": "0"}),
    # --- API: reads ----------------------------------------------------------------------------------------
    ("GET", "/api/v1/firms"): Row("/api/v1/firms", "401 403 200 200 200 200"),
    ("GET", "/api/v1/firms/<uscc>"): Row("/api/v1/firms/{firm}", "401 403 200 200 200 404"),
    ("GET", "/api/v1/firms/<uscc>/history"): Row("/api/v1/firms/{firm}/history", "401 403 200 200 200 404"),
    ("GET", "/api/v1/cases/<int:case_id>"): Row("/api/v1/cases/{case}", "401 403 200 200 200 404"),
    ("GET", "/api/v1/cases/<int:case_id>/history"): Row("/api/v1/cases/{case}/history", "401 403 200 200 200 404"),
    ("GET", "/api/v1/pools"): Row("/api/v1/pools", "401 200 200 200 200 200"),
    ("GET", "/api/v1/pools/<int:pool_id>"): Row("/api/v1/pools/{pool}", "401 200 200 200 200 200"),
    ("GET", "/api/v1/pools/<int:pool_id>/members"): Row("/api/v1/pools/{pool}/members", "401 403 200 200 200 200"),
    ("GET", "/api/v1/memberships/<int:membership_id>"): Row("/api/v1/memberships/{member}", "401 403 200 200 200 404"),
    ("GET", "/api/v1/checks"): Row("/api/v1/checks", "401 403 200 200 200 200"),
    ("GET", "/api/v1/checks/runs/<int:run_id>"): Row("/api/v1/checks/runs/{check_run}", "401 403 200 200 200 200"),
    ("GET", "/api/v1/flags"): Row("/api/v1/flags", "401 403 200 200 200 200"),
    ("GET", "/api/v1/flags/<int:flag_id>"): Row("/api/v1/flags/{flag}", "401 403 200 200 200 404"),
    ("GET", "/api/v1/dashboard/scorecard"): Row("/api/v1/dashboard/scorecard", "401 403 200 200 200 200"),
    ("GET", "/api/v1/dashboard/funnel"): Row("/api/v1/dashboard/funnel", "401 403 200 200 200 200"),
    ("GET", "/api/v1/dashboard/pools"): Row("/api/v1/dashboard/pools", "401 403 200 200 200 200"),
    ("GET", "/api/v1/dashboard/trends"): Row("/api/v1/dashboard/trends", "401 403 200 200 200 200"),
    ("GET", "/api/v1/plans"): Row("/api/v1/plans", "401 403 200 200 200 200"),
    # the API contract is public (tools load it without a token); its reference page is for anyone signed in
    ("GET", "/api/v1/openapi.json"): Row("/api/v1/openapi.json", "200 200 200 200 200 200"),
    ("GET", "/api-docs"): Row("/api-docs", "302 200 200 200 200 200"),
    ("GET", "/api/v1/campaigns"): Row("/api/v1/campaigns", "401 403 200 200 200 200"),
    ("GET", "/api/v1/campaigns/<int:year>"): Row("/api/v1/campaigns/{year}", "401 403 200 200 200 200"),
    ("GET", "/api/v1/campaigns/<int:year>/candidates"): Row("/api/v1/campaigns/{year}/candidates", "401 403 200 200 200 200"),
    ("GET", "/api/v1/campaigns/<int:year>/entries"): Row("/api/v1/campaigns/{year}/entries", "401 403 200 200 200 200"),
    ("GET", "/api/v1/campaigns/<int:year>/entries/<int:entry_id>"): Row("/api/v1/campaigns/{year}/entries/{entry}",
                                                                        "401 403 200 200 200 404"),
    # --- API: writes ---------------------------------------------------------------------------------------
    ("POST", "/api/v1/firms"): Row("/api/v1/firms", "401 403 201 403 201 403", FIRM_BODY),
    ("PATCH", "/api/v1/firms/<uscc>"): Row("/api/v1/firms/{firm}", "401 403 200 403 200 404", {"name": "杭州改名测试有限公司"}),
    ("POST", "/api/v1/firms/<uscc>/status"): Row("/api/v1/firms/{firm}/status", "401 403 200 403 200 404", STATUS_BODY),
    ("PUT", "/api/v1/firms/<uscc>/indicators/<year>"): Row("/api/v1/firms/{firm}/indicators/2025", "401 403 200 403 200 404",
                                                           {"revenue": "160"}),
    ("POST", "/api/v1/firms/<uscc>/cases"): Row("/api/v1/firms/{firm}/cases", "401 403 409 403 409 404",
                                                {"kind": "small_to_scale"}),
    ("POST", "/api/v1/cases/<int:case_id>/actions/<action>"): Row("/api/v1/cases/{case}/actions/start_cultivation",
                                                                  "401 403 200 403 200 404", {"version": "{case_v}"}),
    ("PATCH", "/api/v1/pools"): Row("/api/v1/pools", "401 400 403 403 403 403", {"capacity": {"{pool}": 100}, "comment": "上限"}),
    ("PATCH", "/api/v1/pools/<int:pool_id>"): Row("/api/v1/pools/{pool}", "401 200 403 403 403 403",
                                                  {"capacity": 100, "comment": "上限"}),
    ("POST", "/api/v1/pools/<int:pool_id>/nominations"): Row(
        "/api/v1/pools/{city_pool}/nominations", "401 403 201 403 201 403",
        {"uscc": "{firm}", "reason": "成长性好", "cultivation_type": "growth", "batch": "2026-1"}),
    ("POST", "/api/v1/memberships/<int:membership_id>/actions/<action>"): Row(
        "/api/v1/memberships/{nominee}/actions/admit", "401 403 200 403 200 404", {"version": "{nominee_v}"}),
    # 200 with a result per item: another district's item fails on its own and changes nothing
    ("POST", "/api/v1/memberships/bulk/<action>"): Row(
        "/api/v1/memberships/bulk/admit", "401 403 200 403 200 200", {"items": [{"id": "{nominee}", "version": "{nominee_v}"}]}),
    ("POST", "/api/v1/checks/<name>/runs"): Row("/api/v1/checks/upgrade_candidates/runs", "401 403 202 403 403 403",
                                                {"today": "2026-11-30"}),
    ("POST", "/api/v1/flags/<int:flag_id>/dismiss"): Row("/api/v1/flags/{flag}/dismiss", "401 403 200 403 200 404",
                                                         {"reason": "已核实无误", "version": "{flag_v}"}),
    ("POST", "/api/v1/plans/<int:plan_id>/reports"): Row("/api/v1/plans/{plan}/reports", "401 403 201 403 403 403", REPORT_BODY),
    ("POST", "/api/v1/campaigns"): Row("/api/v1/campaigns", "401 403 201 403 403 403", CAMPAIGN_BODY),
    ("PATCH", "/api/v1/campaigns/<int:year>"): Row("/api/v1/campaigns/{year}", "401 403 200 403 403 403",
                                                   {"review_deadline": "2027-02-01"}),
    ("POST", "/api/v1/campaigns/<int:year>/actions/<action>"): Row(
        "/api/v1/campaigns/{year}/actions/close_nomination", "401 403 200 403 403 403", {"version": "{campaign_v}"}),
    ("POST", "/api/v1/campaigns/<int:year>/entries"): Row("/api/v1/campaigns/{year}/entries", "401 403 422 403 422 404",
                                                          {"uscc": "{nominee_firm}", "reason": "成长性突出"}),
    ("POST", "/api/v1/campaigns/<int:year>/entries/<int:entry_id>/actions/<action>"): Row(
        "/api/v1/campaigns/{year}/entries/{entry}/actions/withdraw", "401 403 200 403 200 404", {"version": "{entry_v}"}),
}


def routes(app) -> set[tuple[str, str]]:
    """(method, rule) for every rule of the URL map; HEAD and OPTIONS are Werkzeug's, answered like GET."""
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def test_every_route_has_a_row(app):
    missing = sorted(routes(app) - set(MATRIX))
    assert not missing, "routes without a row in the access matrix (add one per route): " + ", ".join(
        f"{method} {rule}" for method, rule in missing)
    assert not set(MATRIX) - routes(app), f"rows for routes that no longer exist: {sorted(set(MATRIX) - routes(app))}"


@pytest.mark.parametrize("key", sorted(MATRIX), ids=lambda key: f"{key[0]} {key[1]}")
def test_answers(matrix_world, app, key, savepoint):
    method, _ = key
    row = MATRIX[key]
    values = matrix_world.values()
    url, body = fill(row.url, values), fill(row.body, values)
    expected, seen, wrong = row.expected(), {}, []
    for role in ROLES:
        with savepoint() as session:
            before = state(session) if method != "GET" else None  # GETs are checked by the reads' tests
            response = ask(app, matrix_world, role, method, url, body)
            seen[role] = response.status_code
            problem = _problem(role, response, expected[role], url)
            changed = before is not None and _must_not_change(role, response.status_code, row) \
                and state(session) != before
            if problem is None and changed:
                problem = f"{role}: refused ({response.status_code}) but the data changed"
            if problem:
                wrong.append(problem)
    assert not wrong, (f"{method} {url}: " + "; ".join(wrong)
                       + f'\n  observed: "{" ".join(str(seen[r]) for r in ROLES)}"')


def _must_not_change(role: str, status: int, row: Row) -> bool:
    """A refusal changes nothing; nor does anything the anonymous, a leader or another district's officer
    sends (every object of the world they could reach belongs to 西湖区), whatever it is answered, unless
    it is their own account's."""
    return status >= 400 or role == "anon" or (role in ("leader", "other") and not row.personal)


def _problem(role: str, response, expected: int, url: str) -> str | None:
    if response.status_code == 500:
        return f"{role}: 500"
    if response.status_code != expected:
        return f"{role}: {response.status_code}, expected {expected}"
    if expected == 302 and role == "anon" and not url.startswith("/login"):
        location = response.headers.get("Location", "")
        if not location.startswith("/login"):
            return f"anon: redirected to {location}, not to the login page"
    if expected == 401 and response.get_json()["error"]["code"] != "unauthenticated":
        return f"{role}: 401 without the unauthenticated error body"
    return None


# --- object level: 西湖区's officer names 上城区's object in the URL or the body -----------------------------------

SWAPS = [
    ("POST", "/cases/{other_case}/actions/start_cultivation", {"version": "{other_case_v}"}),
    ("POST", "/api/v1/cases/{other_case}/actions/start_cultivation", {"version": "{other_case_v}"}),
    ("PATCH", "/api/v1/firms/{other_firm}", {"name": "杭州越权改名有限公司"}),
    ("POST", "/firms/{other_firm}/status", STATUS_BODY),
    ("POST", "/memberships/{other_member}/actions/remove", {"version": "{other_member_v}", "reason": "violation"}),
    ("POST", "/api/v1/memberships/{other_nominee}/actions/withdraw", {"version": "{other_nominee_v}"}),
    ("POST", "/pools/review/{other_nominee}/reject", {"version": "{other_nominee_v}", "reason": "材料不全"}),
    ("POST", "/api/v1/pools/{pool}/nominations",
     {"uscc": "{other_nominee_firm}", "reason": "成长性好", "cultivation_type": "growth", "batch": "2026-1"}),
    ("POST", "/api/v1/pools/{other_pool}/nominations",
     {"uscc": "{firm}", "reason": "成长性好", "cultivation_type": "growth", "batch": "2026-1"}),
    ("POST", "/inbox/{other_flag}/dismiss", {"reason": "已核实无误", "version": "{other_flag_v}"}),
    ("POST", "/api/v1/flags/{other_flag}/dismiss", {"reason": "已核实无误", "version": "{other_flag_v}"}),
    ("POST", "/campaigns/{year}/entries/{other_entry}/actions/withdraw", {"version": "{other_entry_v}"}),
    ("POST", "/api/v1/campaigns/{year}/entries/{other_entry}/actions/withdraw", {"version": "{other_entry_v}"}),
    ("POST", "/api/v1/campaigns/{year}/entries", {"uscc": "{other_nominee_firm}", "reason": "成长性突出"}),
    ("POST", "/campaigns/{year}/entries", {"uscc": "{other_nominee_firm}", "reason": "成长性突出"}),
    ("GET", "/imports/{other_import_run}", None),
    ("GET", "/imports/{other_import_run}/status", None),
    ("GET", "/exports/{other_export}", None),
]


@pytest.mark.parametrize(("method", "url", "body"), SWAPS, ids=[f"{m} {u}" for m, u, _ in SWAPS])
def test_another_districts_object_is_refused_and_unchanged(matrix_world, app, savepoint, method, url, body):
    values = matrix_world.values()
    with savepoint() as session:
        before = state(session)
        response = ask(app, matrix_world, "own", method, fill(url, values), fill(body, values))
        assert response.status_code in (403, 404), response.get_data(as_text=True)[:500]
        assert state(session) == before


@pytest.mark.parametrize("url", ["/api/v1/memberships/bulk/admit", "/pools/review/bulk"])
def test_bulk_decisions_skip_another_districts_membership(matrix_world, app, savepoint, url):
    """A bulk request naming 上城区's nomination among 西湖区's: the foreign item fails on its own, unchanged."""
    values = matrix_world.values()
    if url.startswith("/api/"):
        body = {"items": [{"id": values["other_nominee"], "version": values["other_nominee_v"]}]}
    else:
        body = {"action": "admit", "items": f"{values['other_nominee']}:{values['other_nominee_v']}"}
    with savepoint() as session:
        before = state(session)
        response = ask(app, matrix_world, "own", "POST", url, body)
        assert response.status_code == (200 if url.startswith("/api/") else 303)
        if url.startswith("/api/"):
            assert response.get_json()["ok"] == 0 and response.get_json()["failed"] == 1
        assert state(session) == before
