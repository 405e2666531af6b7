"""The simulator's HTTP face: each configured provider under its own path prefix, plus /sim/*.

It runs as its own process (``bansos payments sim-bank``) because a bank is another process:
the payout client must cross a real socket, time out for real and see a connection really
dropped. Starlette rather than FastAPI: every refusal must be a SNAP responseCode built by our
own strict checks, not a framework's validation error.

Inspection endpoints need no authentication; the CLI binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import asyncio
import collections
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bansos.core.errors import Problem
from bansos.payments import snap
from bansos.payments.codes import CASES, Service
from bansos.payments.simulator import protocol, services
from bansos.payments.simulator.books import Books
from bansos.payments.simulator.config import SimConfig, SimProvider, account_from_mapping
from bansos.payments.simulator.faults import FaultPlan
from bansos.payments.simulator.protocol import Refusal

_ABORT = "bansos.sim.abort"
Endpoint = Callable[[Request], Awaitable[Response]]


class Simulator:
    """The state behind the routes: books, tokens, faults and settings."""

    def __init__(self, config: SimConfig, books_path: Path) -> None:
        self.config = config
        self.zone = config.zone
        self.books = Books(books_path)
        self.books.seed(config)
        self.tokens = protocol.TokenStore()
        self.faults = FaultPlan(config.faults)
        self.token_ttl = config.token_ttl_seconds
        self.max_skew = config.max_skew_seconds
        self._recent: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )

    def now(self) -> datetime:
        return datetime.now(self.zone)

    def provider(self, name: object) -> SimProvider | None:
        return next((p for p in self.config.providers if p.name == name), None)

    # --- SNAP endpoints ---------------------------------------------------------------------

    async def access_token(self, request: Request, provider: SimProvider) -> Response:
        now = self.now()
        raw = await _body(request)
        if raw is None:
            return Response(status_code=400)
        try:
            self._throttle(provider, now)
            partner = protocol.authenticate_token_request(
                request.headers, raw, provider, now, self.max_skew
            )
        except Refusal as refusal:
            return self.reply(
                Service.ACCESS_TOKEN_B2B, refusal.http_status, refusal.case, {}, refusal.message
            )
        token = self.tokens.issue(provider.name, partner, self.token_ttl, now.timestamp())
        return self.reply(
            Service.ACCESS_TOKEN_B2B,
            200,
            "00",
            {
                "accessToken": token.value,
                "tokenType": "Bearer",
                "expiresIn": str(int(self.token_ttl)),
            },
        )

    async def service(
        self,
        request: Request,
        provider: SimProvider,
        service: Service,
        handler: services.Handler,
    ) -> Response:
        now = self.now()
        raw = await _body(request)
        if raw is None:
            return Response(status_code=400)
        try:
            self._throttle(provider, now)
            partner, external_id, body = protocol.authenticate_service(
                request.headers,
                request.method,
                _signed_path(request.scope),
                raw,
                provider,
                self.tokens,
                now,
                self.max_skew,
            )
            # Claimed once the caller is authenticated (a stranger cannot burn a partner's ids)
            # and before the body is judged: a refused request has still used its id.
            day = now.date().isoformat()
            if not self.books.claim_external_id(
                provider.name, partner.partner_id, day, external_id
            ):
                raise Refusal(409, "00")
            result = handler(services.Context(self, provider, partner, external_id, now), body)
        except Refusal as refusal:
            return self.reply(service, refusal.http_status, refusal.case, {}, refusal.message)
        if result.after == "timeout":
            await asyncio.sleep(self.faults.timeout_seconds)
        elif result.after == "drop":
            await _drop_connection(request)
        return self.reply(service, result.http_status, result.case, result.fields)

    def reply(
        self,
        service: Service,
        http_status: int,
        case: str,
        fields: Mapping[str, object],
        message: str | None = None,
    ) -> Response:
        body = {
            "responseCode": f"{http_status}{service}{case}",
            "responseMessage": message or CASES[(http_status, case)].message,
            **fields,
        }
        return Response(
            snap.minify(body),
            status_code=http_status,
            media_type="application/json",
            headers={"X-TIMESTAMP": snap.format_timestamp(self.now(), self.zone)},
        )

    def _throttle(self, provider: SimProvider, now: datetime) -> None:
        """More than ``requests_per_second`` in the last second: 429xx00."""
        if provider.requests_per_second <= 0:
            return
        recent, moment = self._recent[provider.name], now.timestamp()
        while recent and recent[0] <= moment - 1.0:
            recent.popleft()
        if len(recent) >= provider.requests_per_second:
            raise Refusal(429, "00")
        recent.append(moment)

    # --- Inspection and control -------------------------------------------------------------

    def _settle(self) -> None:
        self.books.settle_due(
            self.now(), self.faults.in_progress_seconds, self.faults.in_progress_queries
        )

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "providers": [p.name for p in self.config.providers]})

    async def show_books(self, request: Request) -> Response:
        self._settle()
        return JSONResponse(self.books.snapshot())

    async def statement(self, request: Request) -> Response:
        """One day's bookings: JSON lines, or with ``format=camt053`` (and a ``provider``) the
        bank statement of the partner's funding account that reconciliation reads."""
        try:
            day = date.fromisoformat(request.query_params.get("date", ""))
        except ValueError:
            return _error(400, "date=YYYY-MM-DD is required")
        provider = request.query_params.get("provider")
        self._settle()
        rows = self.books.statement(day.isoformat(), provider)
        if request.query_params.get("format") == "camt053":
            if provider is None or self.provider(provider) is None:
                return _error(400, "provider= (a known provider) is required for camt053")
            return Response(self._camt053(day, provider, rows), media_type="application/xml")
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        return Response(lines, media_type="application/x-ndjson")

    def _camt053(self, day: date, provider: str, rows: list[dict[str, object]]) -> bytes:
        """Each booking a debit of the partner's funding account with our reference as the
        end-to-end id (settled: BOOK, still in progress: PDNG). The opening balance is what
        the account held before the day's bookings; the simulator keeps one partner per
        provider in its statements (the first)."""
        from bansos.payments.camt053 import write_camt053
        from bansos.payments.iso20022 import StatementEntry

        partner = self.books.snapshot()["partners"]
        mine = [p for p in partner if p["provider"] == provider][:1]
        if not mine:
            return b""
        entries = [StatementEntry(int(str(r["amount"])), "DBIT",
                                  "BOOK" if r["status"] == "success" else "PDNG", day, day,
                                  str(r["partner_reference_no"]), str(r["reference_no"]))
                   for r in rows if r["partner_id"] == mine[0]["partner_id"]]  # fmt: skip
        later = self.books.booked_since(day.isoformat(), provider, str(mine[0]["partner_id"]))
        opening = int(str(mine[0]["balance"])) + later
        return write_camt053(statement_id=f"{provider}-{day.isoformat()}",
                             account=str(mine[0]["source_account"]), opening_balance=opening,
                             entries=entries, period_start=day, period_end=day,
                             created_at=datetime.now(UTC))  # fmt: skip

    async def add_account(self, request: Request) -> Response:
        data = await _json(request)
        provider = self.provider(data.get("provider"))
        if provider is None:
            return _error(404, "unknown provider")
        try:
            account = account_from_mapping(data, provider.bank_code)
        except Problem as exc:
            return _error(400, str(exc))
        if not self.books.add_account(provider.name, account):
            return _error(409, "the account exists already")
        return JSONResponse({"provider": provider.name, **account.__dict__}, status_code=201)

    async def faults_endpoint(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                self.faults.update(await _json(request))
            except Problem as exc:
                return _error(400, str(exc))
        return JSONResponse(self.faults.as_dict())

    async def settings(self, request: Request) -> Response:
        """``token_ttl_seconds`` (for tokens issued from now on) and ``max_skew_seconds``."""
        data = await _json(request)
        values = {k: data.get(k) for k in ("token_ttl_seconds", "max_skew_seconds")}
        for key, value in values.items():
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or value < 0
            ):
                return _error(400, f"{key} must be a number >= 0")
        if values["token_ttl_seconds"] is not None:
            self.token_ttl = float(values["token_ttl_seconds"])
        if values["max_skew_seconds"] is not None:
            self.max_skew = float(values["max_skew_seconds"])
        return JSONResponse(
            {"token_ttl_seconds": self.token_ttl, "max_skew_seconds": self.max_skew}
        )


def create_app(config: SimConfig, books_path: Path) -> ASGIApp:
    sim = Simulator(config, books_path)
    routes = [
        Route("/healthz", sim.healthz, methods=["GET"]),
        Route("/sim/books", sim.show_books, methods=["GET"]),
        Route("/sim/statement", sim.statement, methods=["GET"]),
        Route("/sim/accounts", sim.add_account, methods=["POST"]),
        Route("/sim/faults", sim.faults_endpoint, methods=["GET", "POST"]),
        Route("/sim/settings", sim.settings, methods=["POST"]),
    ]
    for provider in config.providers:
        prefix = provider.path_prefix
        routes.append(
            Route(prefix + "/v1.0/access-token/b2b", _token_route(sim, provider), methods=["POST"])
        )
        table = services.BANK if provider.kind == "bank" else services.EMONEY
        for path, (service, handler) in table.items():
            endpoint = _service_route(sim, provider, service, handler)
            routes.append(Route(prefix + path, endpoint, methods=["POST"]))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        sim.books.close()

    return _Abortable(Starlette(routes=routes, lifespan=lifespan))


def _token_route(sim: Simulator, provider: SimProvider) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return await sim.access_token(request, provider)

    return endpoint


def _service_route(
    sim: Simulator, provider: SimProvider, service: Service, handler: services.Handler
) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return await sim.service(request, provider, service, handler)

    return endpoint


def _signed_path(scope: Scope) -> str:
    """The relative URL exactly as requested (raw path and query), as the client signed it."""
    path = bytes(scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return f"{path}?{query}" if query else path


class _Abortable:
    """Puts a "drop this connection now" function into the scope.

    ASGI has no way to close a connection without a response, so this reaches for the server's
    transport. With uvicorn (what the CLI runs) the ``receive`` callable is bound to the
    request cycle that owns it; elsewhere the fallback starts a response and breaks it off.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            transport: Any = getattr(getattr(receive, "__self__", None), "transport", None)

            async def abort() -> None:
                if transport is None:
                    await send({"type": "http.response.start", "status": 200, "headers": []})
                    raise ConnectionAbortedError("dropped after booking")
                transport.abort()
                # Wait until the server notices, so it will not try to answer.
                await asyncio.wait_for(receive(), timeout=2.0)

            scope[_ABORT] = abort
        await self.app(scope, receive, send)


async def _drop_connection(request: Request) -> None:
    abort: Callable[[], Awaitable[None]] = request.scope[_ABORT]
    await abort()


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error(status: int, detail: str) -> Response:
    return JSONResponse({"error": detail}, status_code=status)


async def _body(request: Request) -> bytes | None:
    """The request's bytes, or None when the caller went away mid-request (a payout process
    killed): nothing was read, nothing is booked, and nobody is left to answer, as at a real
    provider."""
    try:
        return await request.body()
    except ClientDisconnect:
        return None
