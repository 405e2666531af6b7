"""Programs and candidate lists over the real HTTP API (both engines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    assert {r["province_code"] for r in cl["summary_by_province"]} == {"34"}
    assert sum(r["households"] for r in cl["summary_by_province"]) == 60
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


MATCHES = "/api/targeting/matches"


def test_match_runs_over_http(site: Site, tmp_path: Path) -> None:  # noqa: F811
    from bansos.registry.synth import generate

    generate(tmp_path, households=60, seed=3, districts=("340301",))  # the site's population
    proposals = (tmp_path / "proposals.csv").read_bytes()
    rows = proposals.count(b"\n") - 1

    def upload(role: str, content: bytes = proposals) -> Any:
        return site.client.post(MATCHES, headers=site.bearer(role),
                                files={"file": ("usulan.csv", content, "text/csv")})  # fmt: skip

    refused = upload("field_officer")
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.forbidden")
    broken = upload("operator", b"row_id,full_name\n1,Siti\n")
    assert (broken.status_code, broken.json()["code"]) == (422, "file.missing_columns")
    assert "nik" in broken.json()["messages"]["en"]
    made = upload("operator")
    assert made.status_code == 201, made.text
    run = made.json()
    assert run["rows"] == rows and sum(run["counts"].values()) == rows
    assert run["counts"]["exact"] > 0 and run["created_by"] == "operator"
    url = f"{MATCHES}/{run['id']}"
    assert site.client.get(url, headers=site.bearer("auditor")).json()["id"] == run["id"]

    hidden = site.client.get(f"{url}/resolved.csv", headers=site.bearer("approver"))
    assert (hidden.status_code, hidden.json()["code"]) == (403, "auth.forbidden")
    resolved = site.client.get(f"{url}/resolved.csv", headers=site.bearer("operator"))
    assert resolved.status_code == 200
    lines = resolved.text.splitlines()
    assert lines[0] == "row_id,nik,status,probability,reason" and len(lines) == rows + 1

    queue = site.client.get(f"{url}/review", headers=site.bearer("field_officer"))
    assert queue.status_code == 200 and len(queue.json()) == run["pending_review"]
    for item in queue.json():
        assert all("*" in c["nik_masked"] for c in item["candidates"])
    first_exact = next(line.split(",")[0] for line in lines[1:] if ",exact," in line)
    done = site.client.post(f"{url}/review/{first_exact}", headers=site.bearer("field_officer"),
                            json={"person_id": None, "note": "cek"})  # fmt: skip
    assert (done.status_code, done.json()["code"]) == (409, "match.not_pending")
    gone = site.client.post(f"{url}/review/nope", headers=site.bearer("field_officer"),
                            json={"person_id": None, "note": "cek"})  # fmt: skip
    assert (gone.status_code, gone.json()["code"]) == (404, "match.row_not_found")
    missing = site.client.get(f"{MATCHES}/99999", headers=site.bearer("auditor"))
    assert (missing.status_code, missing.json()["code"]) == (404, "match.run_not_found")

    with unit_of_work(site.rt.factory) as session:
        if not programs.list_programs(session):
            programs.load(session, read_file(EXAMPLES / "sembako.toml"), "test")
    built = site.client.post(LISTS, headers=site.bearer("operator"),
                             json={"program": "SEMBAKO", "period": "2026-12",
                                   "match_run": run["id"]})  # fmt: skip
    assert built.status_code == 201, built.text
    assert built.json()["match_run_id"] == run["id"]
    assert 0 < built.json()["eligible_count"] + built.json()["excluded_count"] < 60
