"""The SNAP simulator as a real process: strict refusals, its own books, and each fault.

One simulator per module (``bansos.cli_payments sim-bank`` on a free port, books in a temporary
file). Tests talk to it with httpx and a small signer built from ``snap``; every reference and
X-EXTERNAL-ID is fresh, and fault tests put the rates back to zero when they end.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bansos.core.errors import Problem
from bansos.payments import snap
from bansos.payments.simulator.config import config_from_mapping
from bansos.payments.simulator.faults import FaultPlan
from tests.payments.simulator_proc import public_pem, running_simulator

SECRET = b"rahasia-klien-bansos-0123456789"
CLIENT_KEY, PARTNER_ID, CHANNEL_ID = "BANSOS-CLIENT", "BANSOS", "95221"
SOURCE = "8880001234"
FUNDS = 10_000_000
SITI, BUDI = "1234567890", "1234567891"  # active / blocked bank accounts
DEWI, AGUS = "081234567890", "081234567891"  # active / blocked wallets
_ids = itertools.count(1)


def _config() -> dict[str, object]:
    partner = {
        "client_key": CLIENT_KEY,
        "partner_id": PARTNER_ID,
        "channel_id": CHANNEL_ID,
        "public_key_file": "partner.pub.pem",
        "client_secret_file": "partner.secret",
        "source_account": SOURCE,
        "balance": FUNDS,
    }
    return {
        "zone": "WIB",
        "faults": {"timeout_seconds": 3, "in_progress_seconds": 0, "in_progress_queries": 2},
        "providers": [
            {
                "name": "bank",
                "kind": "bank",
                "path_prefix": "/bank",
                "bank_code": "014",
                "partners": [partner],
                "accounts": [
                    {"number": SITI, "name": "SITI AMINAH"},
                    {"number": BUDI, "name": "BUDI SANTOSO", "status": "blocked"},
                ],
            },
            {
                "name": "wallet",
                "kind": "emoney",
                "path_prefix": "/wallet",
                "max_balance": 5_000_000,
                "partners": [partner],
                "accounts": [
                    {"number": DEWI, "name": "DEWI LESTARI"},
                    {"number": AGUS, "name": "AGUS SALIM", "status": "blocked"},
                ],
            },
            {
                "name": "throttled",
                "kind": "bank",
                "path_prefix": "/throttled",
                "requests_per_second": 2,
                "partners": [partner],
            },
        ],
    }


@dataclass
class Sim:
    url: str
    http: httpx.Client
    key: rsa.RSAPrivateKey
    other_key: rsa.RSAPrivateKey

    def books(self) -> dict[str, list[dict[str, object]]]:
        found: dict[str, list[dict[str, object]]] = self.http.get("/sim/books").json()
        return found

    def balance(self, provider: str, number: str) -> int:
        rows = [
            a
            for a in self.books()["accounts"]
            if a["provider"] == provider and a["number"] == number
        ]
        return int(str(rows[0]["balance"]))

    def funds(self, provider: str) -> int:
        rows = [p for p in self.books()["partners"] if p["provider"] == provider]
        return int(str(rows[0]["balance"]))

    def transaction(self, reference: str) -> dict[str, object] | None:
        rows = [t for t in self.books()["transactions"] if t["partner_reference_no"] == reference]
        return rows[0] if rows else None

    def faults(self, **settings: object) -> httpx.Response:
        return self.http.post("/sim/faults", json=settings)

    def token(
        self,
        prefix: str = "/bank",
        *,
        key: rsa.RSAPrivateKey | None = None,
        client_key: str = CLIENT_KEY,
        timestamp: str | None = None,
        body: object = None,
    ) -> httpx.Response:
        timestamp = timestamp or snap.format_timestamp(datetime.now(UTC))
        signature = snap.sign_token_request(key or self.key, client_key, timestamp)
        headers = snap.token_headers(client_key, timestamp, signature)
        content = snap.minify(body if body is not None else {"grantType": "client_credentials"})
        return self.http.post(f"{prefix}/v1.0/access-token/b2b", content=content, headers=headers)

    def access_token(self, prefix: str = "/bank") -> str:
        response = self.token(prefix)
        assert response.json()["responseCode"] == "2007300", response.text
        return str(response.json()["accessToken"])

    def call(
        self,
        path: str,
        body: dict[str, object],
        *,
        token: str,
        external_id: str | None = None,
        timestamp: str | None = None,
        secret: bytes = SECRET,
        signed_body: bytes | None = None,
        drop: str | None = None,
        timeout: float = 10.0,
    ) -> httpx.Response:
        content = snap.minify(body)
        timestamp = timestamp or snap.format_timestamp(datetime.now(UTC))
        signature = snap.sign_service(
            secret, "POST", path, token, content if signed_body is None else signed_body, timestamp
        )
        headers = snap.service_headers(
            access_token=token,
            timestamp=timestamp,
            signature=signature,
            partner_id=PARTNER_ID,
            external_id=external_id or fresh_external_id(),
            channel_id=CHANNEL_ID,
        )
        if drop is not None:
            del headers[drop]
        return self.http.post(path, content=content, headers=headers, timeout=timeout)


def fresh_external_id() -> str:
    return str(10**15 + next(_ids))


def fresh_reference() -> str:
    return "BANSOS-" + uuid.uuid4().hex[:20]


def transfer(
    reference: str, amount: object, account: str = SITI, **change: object
) -> dict[str, object]:
    body: dict[str, object] = {
        "partnerReferenceNo": reference,
        "amount": amount if isinstance(amount, dict) else snap.format_amount(int(str(amount))),
        "beneficiaryAccountName": "SITI AMINAH",
        "beneficiaryAccountNo": account,
        "beneficiaryBankCode": "014",
        "sourceAccountNo": SOURCE,
        "transactionDate": snap.format_timestamp(datetime.now(UTC)),
    }
    body.update(change)
    return body


def topup(reference: str, amount: int, wallet: str = DEWI) -> dict[str, object]:
    return {
        "partnerReferenceNo": reference,
        "customerNumber": wallet,
        "amount": snap.format_amount(amount),
        "notes": "Bansos PKH",
    }


def status(reference: str, service_code: str = "18") -> dict[str, object]:
    return {"originalPartnerReferenceNo": reference, "serviceCode": service_code}


def code(response: httpx.Response) -> str:
    found = str(response.json()["responseCode"])
    assert response.status_code == int(found[:3]), response.text
    return found


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    files = {"partner.pub.pem": public_pem(key), "partner.secret": SECRET + b"\n"}
    tmp = tmp_path_factory.mktemp("sim")
    with running_simulator(tmp, _config(), files, ("--seed", "7")) as running:
        yield Sim(running.url, running.http, key, other)


@pytest.fixture
def token(sim: Sim) -> str:
    return sim.access_token()


@pytest.fixture
def faults(sim: Sim) -> Iterator[Sim]:
    """For fault tests: whatever they set is reset to good behaviour afterwards."""
    yield sim
    reset = sim.faults(
        timeout=0,
        error_5xx=0,
        in_progress=0,
        duplicate=0,
        drop_after_booking=0,
        in_progress_seconds=0,
        in_progress_queries=2,
        timeout_seconds=3,
    )
    assert reset.status_code == 200


# --- Good calls ----------------------------------------------------------------------------------


def test_good_bank_calls_succeed_and_book(sim: Sim, token: str) -> None:
    inquiry = sim.call(
        "/bank/v1.0/account-inquiry-external",
        {"beneficiaryBankCode": "0140397", "beneficiaryAccountNo": SITI},
        token=token,
    )
    assert code(inquiry) == "2001600"
    assert inquiry.json()["beneficiaryAccountName"] == "SITI AMINAH"
    assert inquiry.headers["X-TIMESTAMP"].endswith("+07:00")
    before, funds = sim.balance("bank", SITI), sim.funds("bank")
    reference = fresh_reference()
    sent = sim.call("/bank/v1.0/transfer-interbank", transfer(reference, 150_000), token=token)
    assert code(sent) == "2001800"
    assert sent.json()["amount"] == {"value": "150000.00", "currency": "IDR"}
    assert sim.balance("bank", SITI) == before + 150_000
    assert sim.funds("bank") == funds - 150_000
    booked = sim.transaction(reference)
    assert booked is not None and booked["status"] == "success" and booked["amount"] == 150_000
    asked = sim.call("/bank/v1.0/transfer/status", status(reference), token=token)
    assert code(asked) == "2003600"
    assert asked.json()["latestTransactionStatus"] == "00"
    assert asked.json()["originalReferenceNo"] == sent.json()["referenceNo"]


def test_good_wallet_calls_succeed_and_book(sim: Sim) -> None:
    token = sim.access_token("/wallet")
    inquiry = sim.call(
        "/wallet/v1.0/emoney/account-inquiry",
        {"customerNumber": DEWI, "amount": snap.format_amount(50_000)},
        token=token,
    )
    assert code(inquiry) == "2003700" and inquiry.json()["customerName"] == "DEWI LESTARI"
    before = sim.balance("wallet", DEWI)
    reference = fresh_reference()
    assert (
        code(sim.call("/wallet/v1.0/emoney/topup", topup(reference, 200_000), token=token))
        == "2003800"
    )
    assert sim.balance("wallet", DEWI) == before + 200_000
    asked = sim.call("/wallet/v1.0/emoney/topup-status", status(reference, "38"), token=token)
    assert code(asked) == "2003900" and asked.json()["latestTransactionStatus"] == "00"


# --- Refusals: the right code, and nothing booked ------------------------------------------------


@pytest.fixture
def unchanged(sim: Sim) -> Iterator[None]:
    before = sim.books()
    yield
    assert sim.books() == before


def test_token_signed_with_another_key_is_refused(sim: Sim, unchanged: None) -> None:
    assert code(sim.token(key=sim.other_key)) == "4017300"
    assert code(sim.token(client_key="SOMEBODY-ELSE")) == "4017300"


def test_token_request_checks(sim: Sim, unchanged: None) -> None:
    stale = snap.format_timestamp(datetime.now(UTC) - timedelta(hours=1))
    assert code(sim.token(timestamp=stale)) == "4017300"
    assert code(sim.token(timestamp="2026-12-02T21:43:44Z")) == "4007301"
    assert code(sim.token(body={"grantType": "password"})) == "4007301"
    assert code(sim.token(body={})) == "4007302"
    bare = sim.http.post(
        "/bank/v1.0/access-token/b2b", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert code(bare) == "4007302"


def test_expired_token_is_refused(sim: Sim, unchanged: None) -> None:
    assert sim.http.post("/sim/settings", json={"token_ttl_seconds": 1}).status_code == 200
    try:
        token = sim.access_token()
    finally:
        sim.http.post("/sim/settings", json={"token_ttl_seconds": 900})
    time.sleep(1.2)
    refused = sim.call(
        "/bank/v1.0/transfer-interbank", transfer(fresh_reference(), 1000), token=token
    )
    assert code(refused) == "4011801"


def test_unknown_and_foreign_tokens_are_refused(sim: Sim, token: str, unchanged: None) -> None:
    body = topup(fresh_reference(), 1000)
    assert code(sim.call("/wallet/v1.0/emoney/topup", body, token=token)) == "4013801"
    assert code(sim.call("/wallet/v1.0/emoney/topup", body, token="made-up")) == "4013801"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("wrong_secret", "4011800"),
        ("tampered_body", "4011800"),
        ("stale_timestamp", "4011800"),
        ("future_timestamp", "4011800"),
        ("timestamp_without_offset", "4001801"),
        ("missing_external_id", "4001802"),
        ("missing_signature", "4001802"),
        ("missing_channel", "4001802"),
        ("bad_amount_cents", "4001801"),
        ("bad_amount_decimals", "4001801"),
        ("bad_amount_number", "4001801"),
        ("bad_currency", "4001801"),
        ("missing_amount", "4001802"),
        ("unknown_account", "4041811"),
        ("account_at_another_bank", "4041811"),
        ("blocked_account", "4031818"),
        ("wrong_source_account", "4041811"),
        ("insufficient_funds", "4031814"),
    ],
)
def test_bad_transfers_are_refused_and_book_nothing(
    sim: Sim, token: str, unchanged: None, case: str, expected: str
) -> None:
    path, reference = "/bank/v1.0/transfer-interbank", fresh_reference()
    body = transfer(reference, 25_000)
    now = datetime.now(UTC)
    options: dict[str, object] = {}
    if case == "wrong_secret":
        options["secret"] = b"not-the-secret"
    elif case == "tampered_body":
        options["signed_body"] = snap.minify(body)
        body = transfer(reference, 2_500_000)
    elif case in ("stale_timestamp", "future_timestamp"):
        shift = timedelta(hours=-1 if case == "stale_timestamp" else 1)
        options["timestamp"] = snap.format_timestamp(now + shift)
    elif case == "timestamp_without_offset":
        options["timestamp"] = now.strftime("%Y-%m-%dT%H:%M:%S")
    elif case.startswith("missing_") and case != "missing_amount":
        options["drop"] = {
            "missing_external_id": "X-EXTERNAL-ID",
            "missing_signature": "X-SIGNATURE",
            "missing_channel": "CHANNEL-ID",
        }[case]
    changes: dict[str, dict[str, object]] = {
        "bad_amount_cents": {"amount": {"value": "25000.50", "currency": "IDR"}},
        "bad_amount_decimals": {"amount": {"value": "25000", "currency": "IDR"}},
        "bad_amount_number": {"amount": {"value": 25000.00, "currency": "IDR"}},
        "bad_currency": {"amount": {"value": "25000.00", "currency": "USD"}},
        "missing_amount": {"amount": None},
        "unknown_account": {"beneficiaryAccountNo": "9999999999"},
        "account_at_another_bank": {"beneficiaryBankCode": "008"},
        "blocked_account": {"beneficiaryAccountNo": BUDI},
        "wrong_source_account": {"sourceAccountNo": "1111111111"},
        "insufficient_funds": {"amount": snap.format_amount(FUNDS * 10)},
    }
    body.update(changes.get(case, {}))
    if body["amount"] is None:
        del body["amount"]
    response = sim.call(path, body, token=token, **options)  # type: ignore[arg-type]
    assert code(response) == expected, response.text


def test_repeated_external_id_is_a_conflict(sim: Sim, token: str, unchanged: None) -> None:
    external_id = fresh_external_id()
    inquiry = {"beneficiaryBankCode": "014", "beneficiaryAccountNo": SITI}
    first = sim.call(
        "/bank/v1.0/account-inquiry-external", inquiry, token=token, external_id=external_id
    )
    assert code(first) == "2001600"
    again = sim.call(
        "/bank/v1.0/transfer-interbank",
        transfer(fresh_reference(), 1000),
        token=token,
        external_id=external_id,
    )
    assert code(again) == "4091800"


def test_repeated_reference_is_a_duplicate_and_books_once(sim: Sim, token: str) -> None:
    reference, before = fresh_reference(), sim.balance("bank", SITI)
    first = sim.call("/bank/v1.0/transfer-interbank", transfer(reference, 70_000), token=token)
    assert code(first) == "2001800"
    again = sim.call("/bank/v1.0/transfer-interbank", transfer(reference, 70_000), token=token)
    assert code(again) == "4091801"
    assert sim.balance("bank", SITI) == before + 70_000
    assert sum(t["partner_reference_no"] == reference for t in sim.books()["transactions"]) == 1


def test_wallet_refusals(sim: Sim, unchanged: None) -> None:
    token = sim.access_token("/wallet")
    path = "/wallet/v1.0/emoney/topup"
    assert code(sim.call(path, topup(fresh_reference(), 1000, "0899"), token=token)) == "4043811"
    assert code(sim.call(path, topup(fresh_reference(), 1000, AGUS), token=token)) == "4033818"
    assert code(sim.call(path, topup(fresh_reference(), 6_000_000), token=token)) == "4033823"
    assert code(sim.call(path, topup(fresh_reference(), 0), token=token)) == "4043813"
    unknown = sim.call("/wallet/v1.0/emoney/topup-status", status("NOPE", "38"), token=token)
    assert code(unknown) == "4043901"
    wrong_service = sim.call("/wallet/v1.0/emoney/topup-status", status("NOPE", "18"), token=token)
    assert code(wrong_service) == "4003901"


# --- Faults --------------------------------------------------------------------------------------


def test_error_5xx_books_nothing(faults: Sim, token: str) -> None:
    sim, reference = faults, fresh_reference()
    assert sim.faults(error_5xx=1.0).json()["error_5xx"] == 1.0
    failed = sim.call("/bank/v1.0/transfer-interbank", transfer(reference, 5000), token=token)
    assert code(failed) == "5001800"
    assert sim.transaction(reference) is None
    asked = sim.call("/bank/v1.0/transfer/status", status(reference), token=token)
    assert code(asked) == "4043601"


def test_duplicate_fault_refuses_a_fresh_reference_and_books_nothing(
    faults: Sim, token: str
) -> None:
    sim, reference = faults, fresh_reference()
    sim.faults(duplicate=1.0)
    refused = sim.call("/bank/v1.0/transfer-interbank", transfer(reference, 5000), token=token)
    assert code(refused) == "4091801"
    assert sim.transaction(reference) is None


def test_in_progress_settles_after_status_queries(faults: Sim, token: str) -> None:
    sim, reference = faults, fresh_reference()
    before, funds = sim.balance("bank", SITI), sim.funds("bank")
    sim.faults(in_progress=1.0, in_progress_queries=2, in_progress_seconds=0)
    accepted = sim.call("/bank/v1.0/transfer-interbank", transfer(reference, 8000), token=token)
    assert code(accepted) == "2021800"
    sim.faults(in_progress=0)
    pending = sim.transaction(reference)
    assert pending is not None and pending["status"] == "pending"
    assert sim.funds("bank") == funds - 8000 and sim.balance("bank", SITI) == before
    first = sim.call("/bank/v1.0/transfer/status", status(reference), token=token)
    assert code(first) == "2003600" and first.json()["latestTransactionStatus"] == "03"
    second = sim.call("/bank/v1.0/transfer/status", status(reference), token=token)
    assert second.json()["latestTransactionStatus"] == "00"
    assert sim.balance("bank", SITI) == before + 8000


def test_in_progress_settles_after_some_seconds(faults: Sim) -> None:
    sim, reference = faults, fresh_reference()
    token = sim.access_token("/wallet")
    sim.faults(in_progress=1.0, in_progress_queries=0, in_progress_seconds=1)
    assert (
        code(sim.call("/wallet/v1.0/emoney/topup", topup(reference, 3000), token=token))
        == "2023800"
    )
    assert (sim.transaction(reference) or {})["status"] == "pending"
    time.sleep(1.3)
    assert (sim.transaction(reference) or {})["status"] == "success"


@pytest.mark.slow
def test_timeout_books_the_money_then_answers_too_late(faults: Sim, token: str) -> None:
    sim, reference = faults, fresh_reference()
    sim.faults(timeout=1.0, timeout_seconds=3)
    with pytest.raises(httpx.TimeoutException):
        sim.call(
            "/bank/v1.0/transfer-interbank", transfer(reference, 9000), token=token, timeout=1.0
        )
    sim.faults(timeout=0)
    booked = sim.transaction(reference)
    assert booked is not None and booked["status"] == "success"
    asked = sim.call("/bank/v1.0/transfer/status", status(reference), token=token)
    assert asked.json()["latestTransactionStatus"] == "00"


def test_drop_after_booking_loses_the_answer_not_the_money(faults: Sim, token: str) -> None:
    sim, reference = faults, fresh_reference()
    before = sim.balance("bank", SITI)
    sim.faults(drop_after_booking=1.0)
    with pytest.raises(httpx.TransportError) as caught:
        sim.call("/bank/v1.0/transfer-interbank", transfer(reference, 11_000), token=token)
    assert not isinstance(caught.value, httpx.TimeoutException)
    sim.faults(drop_after_booking=0)
    booked = sim.transaction(reference)
    assert booked is not None and booked["status"] == "success"
    assert sim.balance("bank", SITI) == before + 11_000
    asked = sim.call("/bank/v1.0/transfer/status", status(reference), token=token)
    assert code(asked) == "2003600" and asked.json()["latestTransactionStatus"] == "00"


def test_faults_are_deterministic_for_a_seed(faults: Sim) -> None:
    sim = faults
    token = sim.access_token("/wallet")

    def run() -> list[str]:
        sim.faults(seed=1234, error_5xx=0.5)
        return [
            code(sim.call("/wallet/v1.0/emoney/topup", topup(fresh_reference(), 100), token=token))
            for _ in range(8)
        ]

    first, second = run(), run()
    assert first == second
    assert set(first) == {"2003800", "5003800"}


def test_fault_settings_are_validated(faults: Sim) -> None:
    assert faults.faults(timeout=0.7, error_5xx=0.7).status_code == 400
    assert faults.faults(timeout=2).status_code == 400
    assert faults.faults(surprise=0.1).status_code == 400
    assert faults.faults().json()["timeout"] == 0.0


# --- Inspection ----------------------------------------------------------------------------------


def test_statement_lists_the_days_bookings(sim: Sim, token: str) -> None:
    reference = fresh_reference()
    assert (
        code(sim.call("/bank/v1.0/transfer-interbank", transfer(reference, 4200), token=token))
        == "2001800"
    )
    today = datetime.now(snap.WIB).date().isoformat()
    response = sim.http.get("/sim/statement", params={"date": today, "provider": "bank"})
    assert response.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in response.text.splitlines()]
    assert any(r["partner_reference_no"] == reference and r["amount"] == 4200 for r in rows)
    assert all(r["provider"] == "bank" for r in rows)
    assert sim.http.get("/sim/statement", params={"date": "2001-01-01"}).text == ""
    assert sim.http.get("/sim/statement", params={"date": "kemarin"}).status_code == 400


def test_accounts_can_be_added(sim: Sim, token: str) -> None:
    new = {"provider": "bank", "number": "5550001111", "name": "RINA WATI"}
    assert sim.http.post("/sim/accounts", json=new).status_code == 201
    assert sim.http.post("/sim/accounts", json=new).status_code == 409
    assert sim.http.post("/sim/accounts", json={**new, "provider": "x"}).status_code == 404
    assert sim.http.post("/sim/accounts", json={**new, "number": "abc"}).status_code == 400
    found = sim.call(
        "/bank/v1.0/account-inquiry-external",
        {"beneficiaryBankCode": "014", "beneficiaryAccountNo": "5550001111"},
        token=token,
    )
    assert found.json()["beneficiaryAccountName"] == "RINA WATI"


def test_the_command_explains_a_missing_configuration(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bansos.cli_payments",
            "sim-bank",
            "--books",
            str(tmp_path / "b.sqlite3"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Konfigurasi simulator tidak sah" in done.stderr and "--config" in done.stderr


def test_a_provider_over_its_request_rate_answers_429(sim: Sim) -> None:
    codes = [code(sim.token("/throttled")) for _ in range(6)]
    assert codes[0] == "2007300" and "4297300" in codes
    assert set(codes) == {"2007300", "4297300"}


# --- Configuration (in process) ------------------------------------------------------------------


def _minimal(tmp_path: Path, **change: object) -> dict[str, object]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    (tmp_path / "k.pub").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    partner = {
        "client_key": "K",
        "channel_id": "1",
        "public_key_file": "k.pub",
        "client_secret_env": "SIM_SECRET",
        "source_account": "1",
        "balance": 5,
    }
    provider = {"name": "bank", "kind": "bank", "partners": [partner], "accounts": []}
    provider.update(change)
    return {"providers": [provider]}


def test_a_good_configuration_loads(tmp_path: Path) -> None:
    loaded = config_from_mapping(_minimal(tmp_path), tmp_path, env={"SIM_SECRET": "s"})
    partner = loaded.providers[0].partners[0]
    assert partner.partner_id == "K" and partner.client_secret.reveal() == b"s"
    assert "s" not in repr(partner.client_secret)


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "crypto"},
        {"name": "Bad Name"},
        {"path_prefix": "/sim/x"},
        {"bank_code": "14"},
        {"partners": []},
        {"accounts": [{"number": "x", "name": "A"}]},
        {"accounts": [{"number": "1", "name": "A", "status": "closed"}]},
        {"requests_per_second": -1},
        {"partners": [{"client_key": "K", "channel_id": "1", "source_account": "1"}]},
    ],
)
def test_bad_configurations_are_refused(tmp_path: Path, change: dict[str, object]) -> None:
    with pytest.raises(Problem) as caught:
        config_from_mapping(_minimal(tmp_path, **change), tmp_path, env={"SIM_SECRET": "s"})
    assert caught.value.code in ("sim.config_invalid", "snap.credential_missing")


def test_fault_draws_repeat_for_a_seed_and_follow_the_rates() -> None:
    plan = FaultPlan({"seed": 99, "timeout": 0.25, "drop_after_booking": 0.25})
    first = [plan.draw() for _ in range(400)]
    plan.update({"seed": 99})
    assert [plan.draw() for _ in range(400)] == first
    assert set(first) == {"timeout", "drop_after_booking", None}
    assert 60 < first.count("timeout") < 140
    assert FaultPlan({"error_5xx": 1.0}).draw() == "error_5xx"
    assert FaultPlan().draw() is None
