"""A disbursement cycle over the real HTTP API (both engines): maker-checker, funding,
disbursement, and the ledger checking out afterwards."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bansos.db import unit_of_work
from bansos.programs import service as programs
from bansos.programs.definition import read_file
from tests.web.test_api import Site, site  # noqa: F401  (the live server fixture)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _follow(site: Site, url: str) -> dict[str, Any]:  # noqa: F811
    """Poll a background job's status until it stops running (at most a minute)."""
    for _ in range(600):
        out: dict[str, Any] = site.client.get(url, headers=site.bearer("operator")).json()
        if not out["job"]["running"]:
            return out
        time.sleep(0.1)
    raise AssertionError(f"the job behind {url} still runs after a minute")


def test_a_cycle_over_http(site: Site) -> None:  # noqa: F811
    op, ap = site.bearer("operator"), site.bearer("approver")
    with unit_of_work(site.rt.factory) as session:
        programs.load(session, read_file(EXAMPLES / "pkh.yaml"), "test")
    body = {"program": "PKH", "period": "2027-01"}
    none = site.client.post("/api/cycles", json=body, headers=op)
    assert (none.status_code, none.json()["code"]) == (409, "targeting.no_approved_list")
    listed = site.client.post("/api/targeting/lists", json=body, headers=op).json()
    site.client.post(f"/api/targeting/lists/{listed['id']}/submit", headers=op)
    decided = site.client.post(f"/api/targeting/lists/{listed['id']}/approve", headers=ap,
                               json={"reason": "ok"})  # fmt: skip
    assert decided.status_code == 200, decided.text

    made = site.client.post("/api/cycles", json=body, headers=op)
    assert made.status_code == 201, made.text
    url = f"/api/cycles/{made.json()['id']}"
    refused = site.client.post(f"{url}/compute", headers=ap)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.forbidden")
    computed = site.client.post(f"{url}/compute", headers=op).json()
    assert computed["status"] == "computed" and computed["recipients"] == listed["eligible_count"]
    assert computed["total"] == listed["total_benefit"]
    early = site.client.post(f"{url}/fund", headers=op)
    assert (early.status_code, early.json()["code"]) == (409, "cycle.wrong_status")
    assert site.client.post(f"{url}/submit", headers=op).json()["status"] == "submitted"
    approved = site.client.post(f"{url}/approve", headers=ap, json={"reason": "Sesuai"})
    assert approved.json()["decided_by"] == "approver"
    assert site.client.post(f"{url}/fund", headers=op).json()["status"] == "funded"
    not_yours = site.client.post(f"{url}/disburse", headers=ap)
    assert (not_yours.status_code, not_yours.json()["code"]) == (403, "auth.forbidden")
    started = site.client.post(f"{url}/disburse", headers=op)
    assert started.status_code == 202, started.text
    assert started.json()["cycle"]["status"] in ("disbursing", "disbursed")
    out = _follow(site, f"{url}/disbursement")
    assert (out["cycle"]["status"], out["cycle"]["paid_recipients"],
            out["cycle"]["paid_total"]) == ("disbursed", computed["recipients"],
                                            computed["total"])  # fmt: skip
    assert (out["job"]["running"], out["job"]["code"]) == (False, None)
    again = site.client.post(f"{url}/disburse", headers=op)
    assert (again.status_code, again.json()["code"]) == (409, "cycle.wrong_status")
    check = site.client.get("/api/ledger/verify", headers=site.bearer("auditor")).json()
    assert check["ok"] and check["total_posted"] == 0
    assert site.client.post(f"{url}/close", headers=op).json()["status"] == "closed"
    missing = site.client.get("/api/cycles/99999", headers=op)
    assert (missing.status_code, missing.json()["code"]) == (404, "cycle.not_found")
