"""Status and markers change only with an effective date and a source, through POST .../status."""

from sqlalchemy import func, select

from models import AuditEvent
from tests.factories import firm_payload
from tests.functional.api import assert_error


def _make(api):
    body = firm_payload()
    assert api["city"].post("/firms", json=body).status_code == 201
    return body["uscc"]


def test_patch_refuses_status_and_markers(api, session):
    code = _make(api)
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    error = assert_error(api["city"].patch(f"/firms/{code}", json={"abnormal": True, "status": "revoked"}),
                         400, "validation_error")
    assert set(error["fields"]) == {"abnormal", "status"}
    assert "生效日期和来源" in error["fields"]["abnormal"]
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_status_change_with_date_and_source(api, session):
    code = _make(api)
    response = api["xihu"].post(f"/firms/{code}/status", json={
        "change": "mark_abnormal", "effective_on": "2026-11-02", "source": "国家企业信用信息公示系统"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["abnormal"] is True and body["changes"] == {"abnormal": [False, True]}
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "status_change")).one()
    assert event.evidence["source"] == "国家企业信用信息公示系统"


def test_status_change_errors(api):
    code = _make(api)
    missing = assert_error(api["city"].post(f"/firms/{code}/status", json={"change": "revoke"}), 400,
                           "validation_error")
    assert {"effective_on", "source"} <= set(missing["fields"])
    assert_error(api["leader"].post(f"/firms/{code}/status", json={"change": "revoke"}), 403, "not_permitted")
    assert_error(api["shangcheng"].post(f"/firms/{code}/status", json={"change": "revoke"}), 404, "not_found")
    assert_error(api["city"].post(f"/firms/{code}/status", json={
        "change": "restore", "effective_on": "2026-11-02", "source": "人工核实"}), 400, "validation_error")
