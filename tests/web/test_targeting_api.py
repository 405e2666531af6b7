"""Programs and candidate lists over the real HTTP API (both engines)."""

from __future__ import annotations

from pathlib import Path

from bansos.db import unit_of_work
from bansos.programs import service as programs
from bansos.programs.definition import read_file
from tests.web.test_api import Site, site  # noqa: F401  (the live server fixture)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
LISTS = "/api/targeting/lists"


def test_maker_checker_over_http(site: Site) -> None:  # noqa: F811
    with unit_of_work(site.rt.factory) as session:
        programs.load(session, read_file(EXAMPLES / "sembako.toml"), "test")
    listed = site.client.get("/api/programs", headers=site.bearer("auditor"))
    assert [p["code"] for p in listed.json()] == ["SEMBAKO"]

    body = {"program": "SEMBAKO", "period": "2026-12"}
    refused = site.client.post(LISTS, json=body, headers=site.bearer("approver"))
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.forbidden")
    built = site.client.post(LISTS, json=body, headers=site.bearer("operator"))
    assert built.status_code == 201, built.text
    cl = built.json()
    assert cl["status"] == "draft" and cl["eligible_count"] + cl["excluded_count"] == 60
    assert sum(r["households"] for r in cl["summary"]) == 60
    assert cl["total_benefit"] == 200_000 * cl["eligible_count"]

    url = f"{LISTS}/{cl['id']}"
    some_kk = next(iter(site.social))
    verdict = site.client.post(f"{url}/verdicts", headers=site.bearer("operator"),
                               json={"kk_number": some_kk, "verdict": "not_found",
                                     "note": "Alamat kosong"})  # fmt: skip
    assert verdict.status_code == 200, verdict.text
    reasons = {r["reason"] for r in verdict.json()["summary"]}
    assert "excluded.field_not_found" in reasons
    stranger = {"kk_number": "3403010101010999", "verdict": "moved"}
    unknown = site.client.post(f"{url}/verdicts", headers=site.bearer("operator"), json=stranger)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "targeting.not_on_list")
    assert some_kk not in verdict.text
    early = site.client.post(f"{url}/approve", json={"reason": "ok"},
                             headers=site.bearer("approver"))  # fmt: skip
    assert (early.status_code, early.json()["code"]) == (409, "targeting.wrong_status")
    submitted = site.client.post(f"{url}/submit", headers=site.bearer("operator"))
    assert submitted.json()["status"] == "submitted" and len(submitted.json()["content_hash"]) == 64
    by_operator = site.client.post(f"{url}/approve", json={"reason": "ok"},
                                   headers=site.bearer("operator"))  # fmt: skip
    assert (by_operator.status_code, by_operator.json()["code"]) == (403, "auth.forbidden")
    no_reason = site.client.post(f"{url}/approve", json={"reason": ""},
                                 headers=site.bearer("approver"))  # fmt: skip
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "request.invalid")
    approved = site.client.post(f"{url}/approve", json={"reason": "Sesuai verifikasi"},
                                headers=site.bearer("approver"))  # fmt: skip
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["decided_by"]) == ("approved", "approver")
    shown = site.client.get(url, headers=site.bearer("auditor"))
    assert shown.json()["decision_reason"] == "Sesuai verifikasi"
    missing = site.client.get(f"{LISTS}/99999", headers=site.bearer("auditor"))
    assert (missing.status_code, missing.json()["code"]) == (404, "targeting.list_not_found")
    bad = site.client.post(LISTS, json={"program": "NOPE", "period": "2026-12"},
                           headers=site.bearer("operator"))  # fmt: skip
    assert (bad.status_code, bad.json()["code"]) == (404, "program.not_found")
