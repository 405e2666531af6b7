"""The JSON API over real HTTP, on SQLite and PostgreSQL.

One uvicorn server per database engine serves an app wired to a freshly migrated database that
holds a small synthetic population and one staff account per role. The server's code commits for
real, so these tests use their own databases, never the savepoint fixtures.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import func, select, text, update

from bansos.auth import service as auth
from bansos.auth.models import ROLES as ALL_ROLES
from bansos.auth.models import StaffSession, User
from bansos.core.clock import now
from bansos.core.messages import MESSAGES
from bansos.core.nik import build_nik, mask_nik
from bansos.db import AppMeta, unit_of_work
from bansos.registry import service as registry
from bansos.registry.models import Region
from bansos.registry.synth import generate
from bansos.runtime import Runtime, open_runtime
from bansos.settings import Settings
from bansos.transparency.models import AuditEvent
from bansos.web.app import create_app
from tests.conftest import ENGINES, FreshDatabases, migrated_engine
from tests.web.live import live_server

PASSWORD = "kata-sandi-yang-panjang"
#: Accounts besides one per role, so that failed logins in one test cannot lock another's user.
WRONG_PW_USER = "salah-sandi"
LOCKOUT_USER = "terkunci"
MASKED = re.compile(r"^\d{4}\*{8}\d{4}$")
PEOPLE = "/api/registry/people"
T = TypeVar("T")


def _committed(probe: Callable[[], T]) -> T:
    """``probe()`` right after a response: a reply means its unit of work is already committed
    (see ``test_success_is_answered_only_after_the_commit``), so no waiting is allowed."""
    return probe()


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


#: Staff roles (a shop user needs a shop: tests/web/test_redeem_api.py makes one).
ROLES = tuple(r for r in ALL_ROLES if r != "merchant")


@dataclass
class Site:
    kind: str
    rt: Runtime
    client: httpx.Client
    civil: list[dict[str, str]]
    social: dict[str, dict[str, str]]
    tokens: dict[str, str] = field(default_factory=dict)

    def bearer(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def login(self, username: str, password: str = PASSWORD, **kw: Any) -> httpx.Response:
        return self.client.post(
            "/api/auth/login", json={"username": username, "password": password}, **kw
        )

    def new_token(self, username: str) -> str:
        """A fresh token, once its session row is committed."""
        response = self.login(username)
        assert response.status_code == 200, response.text
        token: str = response.json()["token"]
        assert _committed(lambda: self.identify(token)), "the login was never committed"
        return token

    def identify(self, token: str) -> auth.StaffIdentity | None:
        with self.rt.factory() as session:
            return auth.identify(session, token)

    def clear_ids(self) -> set[str]:
        """Every clear NIK and KK number in the imported files."""
        return {r["nik"] for r in self.civil} | {r["kk_number"] for r in self.civil}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module", params=ENGINES)
def site(
    request: pytest.FixtureRequest,
    fresh_databases: FreshDatabases,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Site]:
    kind: str = request.param
    url = fresh_databases.url(kind)
    migrated_engine(url).dispose()
    tmp = tmp_path_factory.mktemp(f"api-{kind}")
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    settings = Settings(data_dir=tmp, database_url=url, secret_key=key)
    rt = open_runtime(settings)
    try:
        out = tmp / "synth"
        generate(out, households=60, seed=3, districts=("340301",))
        for kind_, fn in (("civil", registry.import_civil), ("social", registry.import_social)):
            opts = registry.ImportOptions(
                actor="test",
                rejects_path=tmp / f"{kind_}.rejects.csv",
                warnings_path=tmp / f"{kind_}.warnings.csv",
            )
            report = fn(rt.factory, out / f"{kind_}.csv", rt.cipher, opts)
            assert report.rejected == 0 and report.added > 0, report
        with unit_of_work(rt.factory) as session:
            for role in ROLES:
                auth.create_user(session, role, PASSWORD, role)
            auth.create_user(session, WRONG_PW_USER, PASSWORD, "approver")
            auth.create_user(session, LOCKOUT_USER, PASSWORD, "operator")
        civil = _read_csv(out / "civil.csv")
        social = {r["kk_number"]: r for r in _read_csv(out / "social.csv")}
        with live_server(create_app(rt)) as base, httpx.Client(base_url=base, timeout=30) as client:
            s = Site(kind, rt, client, civil, social)
            s.tokens = {role: s.new_token(role) for role in ROLES}
            yield s
    finally:
        rt.close()


def _person(site: Site) -> dict[str, str]:
    """A living person whose household is in the social registry."""
    return next(r for r in site.civil if not r["death_date"] and r["kk_number"] in site.social)


def _assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert set(body["messages"]) == {"id", "en"}
    assert body["messages"]["id"] and body["messages"]["en"]
    assert body["messages"]["id"] != body["messages"]["en"]
    # Bahasa Indonesia unless the client asked for English.
    wanted = response.request.url.params.get("lang") or response.request.headers.get(
        "accept-language", ""
    )
    lang = "en" if wanted.lower().startswith("en") else "id"
    assert body["message"] == body["messages"][lang]
    return body


def _assert_no_clear_ids(site: Site, text: str) -> None:
    leaked = [n for n in site.clear_ids() if n in text]
    assert not leaked, f"clear NIK/KK in response: {leaked[:3]}"


def _lookups(site: Site, username: str, after_id: int = 0) -> list[AuditEvent]:
    with site.rt.factory() as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(
                    AuditEvent.action == "registry.lookup",
                    AuditEvent.actor == username,
                    AuditEvent.id > after_id,
                )
                .order_by(AuditEvent.id)
            )
        )


def _last_event_id(site: Site) -> int:
    with site.rt.factory() as session:
        return session.scalar(select(func.max(AuditEvent.id))) or 0


def _new_lookups(site: Site, username: str, after_id: int) -> list[AuditEvent]:
    return _committed(lambda: _lookups(site, username, after_id))


# -- public pages -----------------------------------------------------------------------------


def test_healthz(site: Site) -> None:
    response = site.client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_index_is_html_with_security_headers(site: Site) -> None:
    response = site.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_docs_and_openapi(site: Site) -> None:
    docs = site.client.get("/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()
    spec = site.client.get("/openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert {"/api/auth/login", PEOPLE, "/api/regions"} <= set(paths)


def test_unknown_path_is_bilingual_404(site: Site) -> None:
    _assert_problem(site.client.get("/api/does-not-exist"), 404, "http.not_found")


# -- login, lockout, tokens -------------------------------------------------------------------


def test_login_returns_a_working_token(site: Site) -> None:
    response = site.login("operator")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert len(body["token"]) >= 32
    assert _committed(lambda: site.identify(body["token"]))
    assert body["user"] == {
        "username": "operator",
        "role": "operator",
        "permissions": sorted(auth.PERMISSIONS["operator"]),
    }
    me = site.client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "operator"


def test_wrong_password_is_401_auth_invalid_in_indonesian_by_default(site: Site) -> None:
    response = site.login(WRONG_PW_USER, "bukan-kata-sandinya")
    body = _assert_problem(response, 401, "auth.invalid")
    assert body["message"] == MESSAGES["auth.invalid"][0]
    assert body["messages"] == {
        "id": MESSAGES["auth.invalid"][0],
        "en": MESSAGES["auth.invalid"][1],
    }
    assert response.headers["www-authenticate"] == "Bearer"
    # A correct login afterwards resets the counter, so this user never gets locked here.
    site.new_token(WRONG_PW_USER)


@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9"])
def test_wrong_password_in_english_when_asked(site: Site, accept: str) -> None:
    response = site.login(WRONG_PW_USER, "bukan-kata-sandinya", headers={"Accept-Language": accept})
    body = _assert_problem(response, 401, "auth.invalid")
    assert body["message"] == "Wrong username or password."
    site.new_token(WRONG_PW_USER)


def test_unknown_user_looks_like_a_wrong_password(site: Site) -> None:
    unknown = site.login("tidak-ada", PASSWORD)
    wrong = site.login(WRONG_PW_USER, "bukan-kata-sandinya")
    _assert_problem(unknown, 401, "auth.invalid")
    assert unknown.json() == wrong.json()
    site.new_token(WRONG_PW_USER)


def test_five_wrong_passwords_lock_the_account(site: Site) -> None:
    for _ in range(auth.MAX_FAILED_LOGINS):
        _assert_problem(site.login(LOCKOUT_USER, "bukan-kata-sandinya"), 401, "auth.invalid")
    # Even the right password is refused while the account is locked.
    locked = site.login(LOCKOUT_USER, PASSWORD)
    body = _assert_problem(locked, 429, "auth.locked")
    assert body["messages"]["en"] == MESSAGES["auth.locked"][1]
    with site.rt.factory() as session:
        user = session.scalars(select(User).where(User.username == LOCKOUT_USER)).one()
        assert user.locked_until is not None and user.locked_until > now()
    # Other accounts are not affected.
    site.new_token("operator")


STAFF_ROUTES = [
    ("GET", "/api/auth/me"),
    ("POST", "/api/auth/logout"),
    ("GET", f"{PEOPLE}?nik=3403010304740001"),
    ("GET", f"{PEOPLE}?nik=3403010304740001&reveal=true"),
    ("GET", "/api/registry/totals"),
    ("GET", "/api/registry/imports"),
]


@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
def test_staff_routes_require_a_token(site: Site, method: str, path: str) -> None:
    response = site.client.request(method, path)
    _assert_problem(response, 401, "auth.required")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-real-token", "Bearer", "Basic b3BlcmF0b3I6a2F0YS1zYW5kaQ==", "operator"],
)
def test_bad_token_is_401(site: Site, authorization: str) -> None:
    for path in ("/api/auth/me", "/api/registry/totals"):
        response = site.client.get(path, headers={"Authorization": authorization})
        _assert_problem(response, 401, "auth.required")


def test_expired_token_is_401(site: Site) -> None:
    token = site.new_token("approver")
    headers = {"Authorization": f"Bearer {token}"}
    assert site.client.get("/api/auth/me", headers=headers).status_code == 200
    with unit_of_work(site.rt.factory) as session:
        result = session.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == _token_hash(token))
            .values(expires_at=now() - timedelta(minutes=1))
        )
        assert result.rowcount == 1  # type: ignore[attr-defined]
    _assert_problem(site.client.get("/api/auth/me", headers=headers), 401, "auth.required")


def test_logout_revokes_only_that_token(site: Site) -> None:
    token = site.new_token("auditor")
    other = site.new_token("auditor")
    headers = {"Authorization": f"Bearer {token}"}
    assert site.client.get("/api/auth/me", headers=headers).status_code == 200
    out = site.client.post("/api/auth/logout", headers=headers)
    assert out.status_code == 204
    assert _committed(lambda: site.identify(token) is None)
    _assert_problem(site.client.get("/api/auth/me", headers=headers), 401, "auth.required")
    _assert_problem(site.client.post("/api/auth/logout", headers=headers), 401, "auth.required")
    with site.rt.factory() as session:
        row = session.scalars(
            select(StaffSession).where(StaffSession.token_hash == _token_hash(token))
        ).one()
        assert row.revoked_at is not None
    me = site.client.get("/api/auth/me", headers={"Authorization": f"Bearer {other}"})
    assert me.status_code == 200


def test_success_is_answered_only_after_the_commit(site: Site) -> None:
    """A 2xx reply must mean the work is durable.

    Another transaction holds a lock that the logout's commit needs (the handler itself only
    reads; its writes are flushed at commit). A correct server either waits for the lock (the
    client times out here) or reports the failure; it must not answer 204 while the token is
    still valid. (On SQLite the late commit then fails outright and the logout is lost.)
    """
    token = site.new_token("admin")
    headers = {"Authorization": f"Bearer {token}"}
    answered: httpx.Response | None = None
    still_valid = False
    with site.rt.engine.connect() as blocker:
        tx = blocker.begin()
        locked = blocker.execute(
            update(StaffSession)
            .where(StaffSession.token_hash == _token_hash(token))
            .values(revoked_at=StaffSession.revoked_at)
        )
        assert locked.rowcount == 1
        try:
            answered = site.client.post("/api/auth/logout", headers=headers, timeout=2)
            still_valid = site.identify(token) is not None
        except httpx.ReadTimeout:
            pass  # correct: the reply waits for the commit, which waits for the lock
        finally:
            tx.rollback()
    if answered is not None and answered.is_success:
        assert not still_valid, f"logout answered {answered.status_code} before it was committed"


def test_lookup_that_waits_for_a_lock_is_still_audited(site: Site) -> None:
    """Staff lookups while another connection writes (an import chunk, another request) must
    wait for the lock and keep their audit row, on both engines."""
    nik = _person(site)["nik"]
    mark = _last_event_id(site)
    responses: list[httpx.Response] = []

    def lookup() -> None:
        with httpx.Client(base_url=site.client.base_url, timeout=40) as client:
            responses.append(client.get(PEOPLE, params={"nik": nik}, headers=site.bearer("admin")))

    with site.rt.engine.connect() as blocker:
        tx = blocker.begin()
        if site.kind == "sqlite":  # any write takes SQLite's one database-wide write lock
            blocker.execute(update(AppMeta).values(value=AppMeta.value))
        else:
            blocker.execute(text("LOCK TABLE audit_events IN EXCLUSIVE MODE"))
        worker = threading.Thread(target=lookup)
        worker.start()
        time.sleep(0.5)  # the request reaches its commit and waits for (or trips over) the lock
        tx.rollback()
    worker.join(40)
    assert not worker.is_alive()
    assert [r.status_code for r in responses] == [200]
    events = _new_lookups(site, "admin", mark)
    assert [e.details for e in events] == [{"found": True, "revealed": False}]


@pytest.mark.parametrize("role", ROLES)
def test_me_shows_username_role_and_permissions(site: Site, role: str) -> None:
    response = site.client.get("/api/auth/me", headers=site.bearer(role))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == role
    assert body["role"] == role
    assert body["permissions"] == sorted(auth.PERMISSIONS[role])
    assert "registry.read" in body["permissions"]
    assert ("pii.reveal" in body["permissions"]) == (role == "operator")


def test_request_validation_error_is_bilingual_422(site: Site) -> None:
    response = site.client.post("/api/auth/login", json={"username": "admin"})
    body = _assert_problem(response, 422, "request.invalid")
    assert "password" in body["message"]
    assert body["messages"]["id"].startswith("Permintaan tidak valid")
    assert body["messages"]["en"].startswith("Invalid request")
    english = site.client.post(
        "/api/auth/login", json={"username": "admin"}, headers={"Accept-Language": "en"}
    )
    assert _assert_problem(english, 422, "request.invalid")["message"].startswith("Invalid")
    not_json = site.client.post(
        "/api/auth/login", content=b"username=admin", headers={"Content-Type": "text/plain"}
    )
    _assert_problem(not_json, 422, "request.invalid")


def test_missing_nik_parameter_is_request_invalid(site: Site) -> None:
    response = site.client.get(PEOPLE, headers=site.bearer("operator"))
    body = _assert_problem(response, 422, "request.invalid")
    assert "nik" in body["message"]


# -- person lookup ----------------------------------------------------------------------------


def _expected_region_name(site: Site, code: str) -> str:
    with site.rt.factory() as session:
        name = session.scalar(select(Region.name).where(Region.code == code))
    assert name
    return name


@pytest.mark.parametrize("role", ROLES)
def test_lookup_is_masked_for_every_role_and_audited(site: Site, role: str) -> None:
    person = _person(site)
    nik = person["nik"]
    mark = _last_event_id(site)
    response = site.client.get(PEOPLE, params={"nik": nik}, headers=site.bearer(role))
    assert response.status_code == 200, response.text
    body = response.json()
    assert MASKED.match(body["nik"]) and body["nik"] == mask_nik(nik)
    assert body["nik_revealed"] is False
    assert MASKED.match(body["kk"]) and body["kk"] == mask_nik(person["kk_number"])
    assert body["full_name"] == person["full_name"]
    assert body["birth_date"] == person["birth_date"]
    assert body["region_code"] == person["region_code"] == "340301"
    assert body["region_name"] == _expected_region_name(site, "340301")
    assert body["deceased"] is False
    assert body["welfare_decile"] == int(site.social[person["kk_number"]]["welfare_decile"])
    _assert_no_clear_ids(site, response.text)

    (event,) = _new_lookups(site, role, mark)
    assert event.object_type == "person"
    assert event.object_id == mask_nik(nik)
    assert event.details == {"found": True, "revealed": False}
    assert nik not in json.dumps(event.details) and nik not in event.object_id


def test_lookup_of_a_deceased_person(site: Site) -> None:
    dead = next(r for r in site.civil if r["death_date"])
    mark = _last_event_id(site)
    response = site.client.get(PEOPLE, params={"nik": dead["nik"]}, headers=site.bearer("approver"))
    assert response.status_code == 200
    body = response.json()
    assert body["deceased"] is True
    assert body["death_date"] == dead["death_date"]
    _assert_no_clear_ids(site, response.text)
    assert len(_new_lookups(site, "approver", mark)) == 1


def test_operator_may_reveal_the_clear_nik_and_it_is_audited_masked(site: Site) -> None:
    person = _person(site)
    nik = person["nik"]
    mark = _last_event_id(site)
    response = site.client.get(
        PEOPLE, params={"nik": nik, "reveal": "true"}, headers=site.bearer("operator")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["nik"] == nik and re.fullmatch(r"\d{16}", body["nik"])
    assert body["nik_revealed"] is True
    # Only this NIK is revealed; the KK number stays masked, no other number appears.
    assert MASKED.match(body["kk"])
    leaked = [n for n in site.clear_ids() - {nik} if n in response.text]
    assert not leaked
    (event,) = _new_lookups(site, "operator", mark)
    assert event.details == {"found": True, "revealed": True}
    assert event.object_id == mask_nik(nik)
    assert nik not in json.dumps(event.details) and nik not in event.object_id


@pytest.mark.parametrize("role", [r for r in ROLES if r != "operator"])
def test_reveal_is_forbidden_to_other_roles(site: Site, role: str) -> None:
    nik = _person(site)["nik"]
    mark = _last_event_id(site)
    response = site.client.get(
        PEOPLE, params={"nik": nik, "reveal": "true"}, headers=site.bearer(role)
    )
    _assert_problem(response, 403, "auth.forbidden")
    _assert_no_clear_ids(site, response.text)
    denied = _events(site, "registry.reveal_denied", role, mark)
    assert [e.object_id for e in denied] == [mask_nik(nik)]


def _events(site: Site, action: str, actor: str, after_id: int) -> list[AuditEvent]:
    with site.rt.factory() as session:
        query = select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.actor == actor, AuditEvent.id > after_id
        )
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_failed_logins_are_audited(site: Site) -> None:
    mark = _last_event_id(site)
    _assert_problem(site.login("approver", "not-the-password-1"), 401, "auth.invalid")
    _assert_problem(site.login("nobody-here", "not-the-password-1"), 401, "auth.invalid")
    assert [e.details for e in _events(site, "auth.login_failed", "approver", mark)] == [
        {"reason": "auth.invalid"}
    ]
    assert len(_events(site, "auth.login_failed", "nobody-here", mark)) == 1


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("12345", "nik.length"),
        ("32040112019A0001", "nik.not_digits"),
        ("9999990101900001", "nik.region_unknown"),
    ],
)
def test_invalid_nik_gets_its_precise_code(site: Site, nik: str, code: str) -> None:
    response = site.client.get(PEOPLE, params={"nik": nik}, headers=site.bearer("operator"))
    body = _assert_problem(response, 422, code)
    assert body["messages"]["id"] == MESSAGES[code][0].format(region="999999")
    assert body["messages"]["en"] == MESSAGES[code][1].format(region="999999")


def test_absent_nik_is_404(site: Site) -> None:
    nik = build_nik("340301", date(1990, 1, 1), "M", 9876)
    assert nik not in site.clear_ids()
    response = site.client.get(PEOPLE, params={"nik": nik}, headers=site.bearer("approver"))
    _assert_problem(response, 404, "registry.not_found")
    english = site.client.get(
        PEOPLE, params={"nik": nik, "lang": "en"}, headers=site.bearer("approver")
    )
    assert (
        _assert_problem(english, 404, "registry.not_found")["message"] == "No person with that NIK."
    )


def test_absent_nik_lookup_is_audited(site: Site) -> None:
    nik = build_nik("340301", date(1990, 1, 1), "M", 9876)
    mark = _last_event_id(site)
    response = site.client.get(PEOPLE, params={"nik": nik}, headers=site.bearer("auditor"))
    assert response.status_code == 404
    events = _new_lookups(site, "auditor", mark)
    assert [e.details for e in events] == [{"found": False, "revealed": False}]
    assert events[0].object_id == mask_nik(nik)


# -- totals, import runs, regions -------------------------------------------------------------


def test_totals_match_the_generated_files(site: Site) -> None:
    response = site.client.get("/api/registry/totals", headers=site.bearer("auditor"))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "people": len(site.civil),
        "households": len({r["kk_number"] for r in site.civil}),
        "deceased": sum(1 for r in site.civil if r["death_date"]),
    }
    _assert_no_clear_ids(site, response.text)


def test_imports_list_the_two_runs(site: Site) -> None:
    response = site.client.get("/api/registry/imports", headers=site.bearer("admin"))
    assert response.status_code == 200
    _assert_no_clear_ids(site, response.text)
    runs = response.json()
    assert [r["kind"] for r in runs] == ["social", "civil"]  # newest first
    social, civil = runs
    assert civil["filename"] == "civil.csv" and social["filename"] == "social.csv"
    for run in runs:
        assert run["status"] == "done"
        assert run["actor"] == "test"
        assert run["rejected"] == 0
        assert run["finished_at"] is not None
    assert civil["rows_read"] == civil["added"] == len(site.civil)
    assert social["rows_read"] == social["added"] == len(site.social)
    limited = site.client.get("/api/registry/imports?limit=1", headers=site.bearer("admin"))
    assert [r["kind"] for r in limited.json()] == ["social"]


def test_regions_are_public_provinces(site: Site) -> None:
    response = site.client.get("/api/regions")
    assert response.status_code == 200
    provinces = response.json()
    assert len(provinces) == 38
    assert all(p["level"] == 1 and p["parent_code"] is None for p in provinces)
    assert "34" in {p["code"] for p in provinces}


def test_regions_of_di_yogyakarta(site: Site) -> None:
    response = site.client.get("/api/regions", params={"parent": "34"})
    assert response.status_code == 200
    regencies = response.json()
    codes = [r["code"] for r in regencies]
    assert "3403" in codes
    assert codes == sorted(codes)
    assert all(r["parent_code"] == "34" and r["level"] == 2 for r in regencies)
    with site.rt.factory() as session:
        expected = session.scalar(
            select(func.count()).select_from(Region).where(Region.parent_code == "34")
        )
    assert len(regencies) == expected == 5
    districts = site.client.get("/api/regions", params={"parent": "3403"}).json()
    assert "340301" in {d["code"] for d in districts}
