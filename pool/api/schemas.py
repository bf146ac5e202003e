"""The JSON shapes of /api/v1 as JSON Schema (OpenAPI 3.0 dialect), registered as the contract's components.

They describe what `pool.api.serialize` and the views write and read; the fuzzer (tests/functional/
test_api_contract.py) holds every live answer to them, so a serializer that drifts from its schema fails CI.
Plain dicts rather than marshmallow: the views already validate in the workflows (DESIGN §8 errors), and a
second validation layer would only disagree with the first.
"""

from workflows.rules.text import INT_MAX

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
MONEY = {"type": "string", "nullable": True, "description": "万元, two decimals, as text"}


def nullable(schema: dict) -> dict:
    return {**schema, "nullable": True}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: dict, optional: dict | None = None) -> dict:
    """An object with these properties, the `required` ones always present; more may follow (additive changes
    to an answer are not breaking)."""
    return {"type": "object", "required": sorted(required), "properties": {**required, **(optional or {})}}


def page_of(item: str) -> dict:
    return obj({"items": {"type": "array", "items": ref(item)}, "total": INT, "page": INT, "per_page": INT})


def list_of(item: str) -> dict:
    return obj({"items": {"type": "array", "items": ref(item)}, "total": INT})


REASON = obj({"rule": STR, "message": STR}, {"value": {}, "threshold": {}})
ACTION = obj({"name": STR, "label": STR, "fields": {"type": "array", "items": {"type": "object"}}})
ACTIONS = {"type": "array", "items": ref("Action")}

FIRM_SUMMARY = obj({
    "uscc": STR, "name": STR, "legal_form": STR, "district": nullable(STR), "district_name": nullable(STR),
    "industry": nullable(STR), "registered_on": nullable(DATE), "status": STR, "stage": STR, "size_class": STR,
    "tags": {"type": "array", "items": STR}, "abnormal": BOOL, "serious_violation": BOOL, "tech_sme": BOOL,
    "high_tech": BOOL,
})
INDICATORS = obj({"year": INT}, {
    "revenue": MONEY, "tax": MONEY, "profit": MONEY, "rd_expense": MONEY, "total_assets": MONEY, "export": MONEY,
    "employees": nullable(INT), "rd_staff": nullable(INT)})
CASE_SUMMARY = obj({"id": INT, "kind": STR, "kind_label": STR, "state": STR, "state_label": STR, "version": INT,
                    "is_open": BOOL})
FIRM = {"allOf": [ref("FirmSummary"), obj({
    "predecessor_uscc": nullable(STR), "indicators": {"type": "array", "items": ref("Indicators")},
    "cases": {"type": "array", "items": ref("CaseSummary")}, "honours": {"type": "array", "items": {"type": "object"}},
})]}
CASE = {"allOf": [ref("CaseSummary"), obj({
    "uscc": STR, "firm_name": STR, "attributes": {"type": "object"}, "opened_at": nullable(STR),
    "state_entered_at": nullable(STR), "closed_at": nullable(STR), "actions": ACTIONS})]}
EVENT = obj({"id": INT, "subject_type": STR, "subject_id": nullable(INT), "action": STR, "from_state": nullable(STR),
             "to_state": nullable(STR), "actor": nullable(STR), "at": nullable(STR), "comment": nullable(STR),
             "changes": {"type": "object"}, "evidence": {"type": "object"}}, {"uscc": nullable(STR)})
POOL = obj({"id": INT, "level": STR, "district": nullable(STR), "name": STR, "target": nullable(INT),
            "capacity": nullable(INT), "admitted": INT, "nominated": INT})
MEMBERSHIP_SUMMARY = obj({"id": INT, "uscc": STR, "firm_name": STR, "district": nullable(STR), "pool_id": INT,
                          "level": STR, "state": STR, "state_label": STR, "version": INT,
                          "cultivation_type": nullable(STR), "batch": nullable(STR)})
MEMBERSHIP = {"allOf": [ref("MembershipSummary"), obj({
    "pool_name": STR, "eligibility": {"type": "array", "items": ref("Reason")}, "actions": ACTIONS})]}
CHECK_RUN = obj({"id": INT, "check": STR, "today": DATE, "trigger": STR, "status": STR, "status_label": STR,
                 "counts": {"type": "object"}, "error": nullable(STR)})
CHECK = obj({"name": STR, "label": STR, "description": nullable(STR), "schedule": nullable(STR),
             "last_run": nullable({"type": "object"})})
FLAG = obj({"id": INT, "kind": STR, "kind_label": STR, "status": STR, "status_label": STR, "firm": STR,
            "firm_name": STR, "district": nullable(STR), "period": nullable(STR),
            "reasons": {"type": "array"}, "version": INT, "actions": ACTIONS})
CAMPAIGN = obj({"year": INT, "state": STR, "state_label": STR, "version": INT, "total": INT,
                "candidate_factor": {"type": "number"}, "nomination_deadline": nullable(DATE),
                "review_deadline": nullable(DATE), "quotas": {"type": "object", "additionalProperties": INT},
                "districts": {"type": "object"}, "actions": ACTIONS})
CANDIDATE = obj({"flag_id": INT, "uscc": STR, "name": STR, "district": nullable(STR), "entry": nullable(INT)})
ENTRY = obj({"id": INT, "year": INT, "uscc": STR, "firm_name": STR, "district": nullable(STR), "state": STR,
             "state_label": STR, "version": INT, "reason": nullable(STR), "actions": ACTIONS})
PLAN = obj({"id": INT, "name": STR, "starts_on": DATE, "ends_on": DATE, "metrics": {"type": "array"}})
FIGURE = obj({"id": INT, "metric": STR, "district": nullable(STR), "as_of": DATE, "source": nullable(STR)})
ERROR = obj({"error": obj({
    "code": {"type": "string", "enum": ["validation_error", "unauthenticated", "not_permitted", "not_found",
                                        "method_not_allowed", "stale_version", "pool_full", "quota_full", "duplicate",
                                        "illegal_transition", "guard_failed", "conflict", "too_large",
                                        "unprocessable", "domain_error", "error"]},
    "message": STR,
    "fields": {"type": "object", "additionalProperties": STR},
    "reasons": {"type": "array", "items": ref("Reason")}})})

# --- request bodies: what a client may send (the workflows refuse the rest by name) ---------------------

ID = {"type": "integer", "minimum": 1, "maximum": INT_MAX}
TEXT = {"type": "string", "maxLength": 500}
FIRM_IN = {"type": "object", "properties": {
    "uscc": STR, "name": TEXT, "legal_form": STR, "district": STR, "industry": STR, "registered_on": DATE,
    "status": STR, "tags": {"type": "array", "items": STR}, "abnormal": BOOL, "serious_violation": BOOL,
    "tech_sme": BOOL, "high_tech": BOOL, "comment": TEXT}}
INDICATORS_IN = {"type": "object", "properties": {
    **{k: {"oneOf": [{"type": "number"}, STR], "nullable": True}
       for k in ("revenue", "tax", "profit", "rd_expense", "total_assets", "export")},
    "employees": nullable({"type": "integer", "minimum": 0}), "rd_staff": nullable({"type": "integer", "minimum": 0})}}
STATUS_IN = obj({"change": STR, "effective_on": DATE, "source": TEXT}, {"comment": TEXT})
ACTION_IN = {"type": "object", "required": ["version"], "additionalProperties": True,
             "properties": {"version": {"type": "integer", "minimum": 0, "maximum": INT_MAX}, "comment": TEXT}}
CASE_IN = obj({"kind": STR}, {"comment": TEXT})
NOMINATION_IN = obj({"uscc": STR}, {"reason": TEXT, "cultivation_type": STR, "batch": STR, "comment": TEXT})
BULK_IN = obj({"items": {"type": "array", "maxItems": 500,
                         "items": obj({"id": ID, "version": {"type": "integer", "minimum": 0, "maximum": INT_MAX}})}},
              {"comment": TEXT})
POOL_IN = {"type": "object", "properties": {"target": {"type": "integer", "minimum": 0, "maximum": INT_MAX},
                                            "capacity": nullable({"type": "integer", "minimum": 0, "maximum": INT_MAX}),
                                            "comment": TEXT}}
POOLS_IN = {"type": "object", "properties": {"targets": {"type": "object", "additionalProperties": INT},
                                             "capacity": {"type": "object", "additionalProperties": nullable(INT)},
                                             "comment": TEXT}}
CAMPAIGN_IN = obj({"year": INT}, {"total": INT, "candidate_factor": {"type": "number"},
                                  "nomination_deadline": DATE, "review_deadline": DATE})
CAMPAIGN_PATCH = {"type": "object", "properties": {
    "quotas": {"type": "object", "additionalProperties": INT}, "total": INT, "candidate_factor": {"type": "number"},
    "nomination_deadline": DATE, "review_deadline": DATE, "comment": TEXT}}
ENTRY_IN = obj({"uscc": STR}, {"reason": TEXT})
DISMISS_IN = obj({"reason": TEXT}, {"version": {"type": "integer", "minimum": 0, "maximum": INT_MAX}})
CHECK_RUN_IN = {"type": "object", "properties": {"today": DATE}}
REPORT_IN = obj({"metric": STR, "value": {"oneOf": [{"type": "number"}, STR]}, "as_of": DATE, "source": TEXT},
                {"district": STR, "comment": TEXT})

COMPONENTS = {
    "Error": ERROR, "Reason": REASON, "Action": ACTION, "FirmSummary": FIRM_SUMMARY, "Firm": FIRM,
    "Indicators": INDICATORS, "CaseSummary": CASE_SUMMARY, "Case": CASE, "Event": EVENT, "Pool": POOL,
    "MembershipSummary": MEMBERSHIP_SUMMARY, "Membership": MEMBERSHIP, "Check": CHECK, "CheckRun": CHECK_RUN,
    "Flag": FLAG, "Campaign": CAMPAIGN, "Candidate": CANDIDATE, "Entry": ENTRY, "Plan": PLAN, "Figure": FIGURE,
    "FirmPage": page_of("FirmSummary"), "FlagPage": page_of("Flag"), "MemberPage": page_of("MembershipSummary"),
    "EventList": list_of("Event"), "PoolList": list_of("Pool"), "CheckList": list_of("Check"),
    "CampaignList": list_of("Campaign"), "CandidateList": list_of("Candidate"), "EntryList": list_of("Entry"),
    "PlanList": list_of("Plan"),
    "BulkResult": obj({"results": {"type": "array", "items": obj({"id": INT, "ok": BOOL})}, "ok": INT, "failed": INT}),
    "Board": {"type": "object", "description": "a dashboard panel: see the route's description"},
    "FirmIn": FIRM_IN, "IndicatorsIn": INDICATORS_IN, "StatusIn": STATUS_IN, "ActionIn": ACTION_IN,
    "CaseIn": CASE_IN, "NominationIn": NOMINATION_IN, "BulkIn": BULK_IN, "PoolIn": POOL_IN, "PoolsIn": POOLS_IN,
    "CampaignIn": CAMPAIGN_IN, "CampaignPatch": CAMPAIGN_PATCH, "EntryIn": ENTRY_IN, "DismissIn": DISMISS_IN,
    "CheckRunIn": CHECK_RUN_IN, "ReportIn": REPORT_IN,
}
