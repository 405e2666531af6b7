"""Programs and candidate lists through the real `bansos` command (both engines)."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from tests.commands import BANSOS, cli_env
from tests.conftest import ENGINES, FreshDatabases

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ENGINES)
def test_program_list_and_maker_checker(
    kind: str, tmp_path: Path, fresh_databases: FreshDatabases
) -> None:
    env = cli_env(tmp_path / "var", fresh_databases.url(kind))

    def bansos(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*BANSOS, *args], env=env, input=stdin, capture_output=True,
                              text=True, timeout=120, check=False)  # fmt: skip

    synth = tmp_path / "synth"
    steps = [
        ("db", "upgrade"),
        ("synth", "--households", "60", "--seed", "4", "--out", str(synth)),
        ("registry", "import-civil", str(synth / "civil.csv")),
        ("registry", "import-social", str(synth / "social.csv")),
        ("programs", "load", str(EXAMPLES / "sembako.toml")),
    ]
    for step in steps:
        done = bansos(*step)
        assert done.returncode == 0, (step, done.stderr)
    for user, role in [("siti", "operator"), ("budi", "approver")]:
        done = bansos("users", "create", user, "--role", role, "--password-stdin",
                      stdin="kata-sandi-yang-panjang\n")  # fmt: skip
        assert done.returncode == 0, done.stderr
    built = bansos("targeting", "run", "SEMBAKO", "--period", "2026-12", "--user", "siti")
    assert built.returncode == 0, built.stderr
    assert "status draft" in built.stdout and "layak / eligible" in built.stdout
    assert bansos("targeting", "submit", "1", "--user", "siti").returncode == 0
    own = bansos("targeting", "approve", "1", "--user", "siti", "--reason", "ok")
    assert own.returncode == 1
    assert "Your role is not allowed" in own.stderr  # siti is an operator, not an approver
    approved = bansos("targeting", "approve", "1", "--user", "budi", "--reason", "Sesuai")
    assert approved.returncode == 0, approved.stderr
    assert "status approved" in approved.stdout
    bad = bansos("targeting", "run", "SEMBAKO", "--period", "2026-13", "--user", "siti")
    assert bad.returncode == 1 and "YYYY-MM" in bad.stderr and "TTTT-BB" in bad.stderr
    # matching the villages' proposals, the review queue, and a list from the match run
    resolved = tmp_path / "resolved.csv"
    matched = bansos("targeting", "match", str(synth / "proposals.csv"), "--out", str(resolved),
                     "--user", "siti", "--save-model", str(tmp_path / "model.json"))  # fmt: skip
    assert matched.returncode == 0, matched.stderr
    assert "match run 1" in matched.stdout and "exact" in matched.stdout
    assert resolved.read_text(encoding="utf-8").startswith("row_id,nik,status,probability,reason")
    assert '"link_type": "link_only"' in (tmp_path / "model.json").read_text(encoding="utf-8")
    again = bansos("targeting", "match", str(synth / "proposals.csv"), "--out",
                   str(tmp_path / "again.csv"), "--user", "siti", "--model",
                   str(tmp_path / "model.json"))  # fmt: skip
    assert again.returncode == 0 and "match run 2" in again.stdout, again.stderr
    assert (tmp_path / "again.csv").read_bytes() == resolved.read_bytes()
    queue = bansos("targeting", "review", "1")
    assert queue.returncode == 0 and "rows waiting" in queue.stdout
    neither = bansos("targeting", "resolve", "1", "1", "--note", "x", "--user", "siti")
    assert neither.returncode == 1 and "--person ID" in neither.stderr
    missing = bansos("targeting", "resolve", "1", "nope", "--none", "--note", "x", "--user", "siti")
    assert missing.returncode == 1 and "Row nope is not in match run 1" in missing.stderr
    refused = bansos("targeting", "match", str(synth / "proposals.csv"), "--out",
                     str(tmp_path / "x.csv"), "--user", "budi")  # fmt: skip
    assert refused.returncode == 1 and "not allowed" in refused.stderr
    from_run = bansos("targeting", "run", "SEMBAKO", "--period", "2026-11", "--match-run", "1",
                      "--user", "siti")  # fmt: skip
    assert from_run.returncode == 0, from_run.stderr
    assert "province" in from_run.stdout and "regency" in from_run.stdout
    # the approved list paid through a cycle, then the ledger checked
    steps = [
        ("cycles", "create", "SEMBAKO", "--period", "2026-12", "--user", "siti"),
        ("cycles", "compute", "1", "--user", "siti"),
        ("cycles", "submit", "1", "--user", "siti"),
    ]
    for step in steps:
        done = bansos(*step)
        assert done.returncode == 0, (step, done.stderr)
    own = bansos("cycles", "approve", "1", "--user", "siti", "--reason", "ok")
    assert own.returncode == 1 and "not allowed" in own.stderr
    for step in [
        ("cycles", "approve", "1", "--user", "budi", "--reason", "Sesuai"),
        ("cycles", "fund", "1", "--user", "siti"),
        ("cycles", "disburse", "1", "--user", "siti", "--chunk", "7"),
    ]:
        done = bansos(*step)
        assert done.returncode == 0, (step, done.stderr)
    assert "status disbursed" in done.stdout
    checked = bansos("ledger", "verify")
    assert checked.returncode == 0, checked.stderr
    # a QR card (and its printable PDF) for a paid household, then blocked as lost
    with (synth / "civil.csv").open(encoding="utf-8", newline="") as fh:
        kks = [row["kk_number"] for row in csv.DictReader(fh)]
    assert all(len(k) == 16 and k.isdigit() for k in kks)
    issued = None
    for kk in dict.fromkeys(kks):
        issued = bansos("vouchers", "issue", kk, "--user", "siti", "--pdf",
                        str(tmp_path / "card.pdf"))  # fmt: skip
        if issued.returncode == 0:
            break
        assert "Error: Household" in issued.stderr and "receives no program" in issued.stderr
    assert issued is not None and issued.returncode == 0, issued.stderr
    assert "BS1:" in issued.stdout and (tmp_path / "card.pdf").read_bytes()[:4] == b"%PDF"
    assert "sign" in bansos("vouchers", "keys").stdout
    nokey = bansos("vouchers", "keys", "--retire", "zz", "--user", "siti")
    assert nokey.returncode == 1 and "Traceback" not in nokey.stderr
    lost = bansos("vouchers", "revoke", "1", "--user", "siti", "--reason", "hilang")
    assert lost.returncode == 0 and "revoked" in lost.stdout, lost.stderr
    sms = bansos("vouchers", "claim-code", kk, "--user", "siti", "--program", "SEMBAKO")
    assert sms.returncode == 0 and "queued" in sms.stdout, sms.stderr
    bad = bansos("vouchers", "issue", "123", "--user", "siti")
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
    settled = bansos("settlement", "run", "--user", "siti", "--date", "2026-11-01")
    assert settled.returncode == 0 and "settlement 2026-11-01" in settled.stdout, settled.stderr
    future = bansos("settlement", "run", "--user", "siti", "--date", "2999-01-01")
    assert future.returncode == 1 and "is not over yet" in future.stderr
    nodate = bansos("settlement", "run", "--user", "siti", "--date", "kemarin")
    assert nodate.returncode == 1 and "YYYY-MM-DD" in nodate.stderr
    early = bansos("cycles", "expire", "1", "--user", "siti", "--on", "2027-01-15")
    assert early.returncode == 1 and "2027-03-01" in early.stderr
    expired = bansos("cycles", "expire", "1", "--user", "siti", "--on", "2027-03-01")
    assert expired.returncode == 0 and "returned to the pool: Rp" in expired.stdout
    closed = bansos("cycles", "close", "1", "--user", "siti")
    assert closed.returncode == 0 and "status closed" in closed.stdout
