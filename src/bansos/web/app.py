"""The FastAPI application: API routers, error shape, security headers, the landing page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from bansos import __version__
from bansos.core.errors import Problem
from bansos.core.messages import Lang, both, message
from bansos.runtime import Runtime, open_runtime
from bansos.web import logmask
from bansos.web.api import auth as auth_api
from bansos.web.api import cycles as cycles_api
from bansos.web.api import ledger as ledger_api
from bansos.web.api import matching as matching_api
from bansos.web.api import merchants as merchants_api
from bansos.web.api import registry as registry_api
from bansos.web.api import targeting as targeting_api
from bansos.web.api import vouchers as vouchers_api
from bansos.web.deps import PROBLEM_STATUS, HTTPProblem, get_runtime
from bansos.web.headers import SecurityHeaders
from bansos.web.jobs import Jobs
from bansos.web.limits import InFlightLimit, PaymentLane

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_STATUS_CODES = {401: "auth.required", 403: "auth.forbidden", 404: "http.not_found",
                 405: "http.method_not_allowed"}  # fmt: skip


def _lang(request: Request) -> Lang:
    """Bahasa Indonesia unless the client asks for English first."""
    wanted = request.query_params.get("lang") or request.headers.get("accept-language", "")
    return "en" if wanted.lower().startswith("en") else "id"


def problem_response(
    request: Request, http_status: int, code: str, **params: object
) -> JSONResponse:
    body = {"code": code, "message": message(code, _lang(request), **params),
            "messages": both(code, **params)}  # fmt: skip
    headers = {"WWW-Authenticate": "Bearer"} if http_status == 401 else None
    return JSONResponse(body, status_code=http_status, headers=headers)


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """The app; without ``runtime`` the database and key are opened from settings at start."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        logmask.install()
        app.state.runtime = runtime or open_runtime()
        app.state.jobs = Jobs()
        app.state.payments = PaymentLane(app.state.runtime.engine.dialect.name)
        yield
        app.state.jobs.shutdown()
        if owned:
            app.state.runtime.close()

    app = FastAPI(
        title="Bansos API",
        version=__version__,
        description="Digital distribution of social assistance (bantuan sosial). Errors carry a "
        "machine-readable `code` and messages in Bahasa Indonesia and English.",
        lifespan=lifespan,
    )
    app.mount(
        "/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"
    )
    app.include_router(auth_api.router)
    app.include_router(registry_api.router)
    app.include_router(targeting_api.router)
    app.include_router(matching_api.router)
    app.include_router(merchants_api.router)
    app.include_router(vouchers_api.router)
    app.include_router(cycles_api.router)
    app.include_router(ledger_api.router)

    @app.exception_handler(HTTPProblem)
    async def _http_problem(request: Request, exc: HTTPProblem) -> JSONResponse:
        return problem_response(request, exc.status, exc.code, **exc.params)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, PROBLEM_STATUS.get(exc.code, 422), exc.code, **exc.params)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        detail = f"{where}: {first.get('msg', '')}".strip(": ")
        return problem_response(request, 422, "request.invalid", detail=detail)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "http.error")
        return problem_response(request, exc.status_code, code, status=exc.status_code)

    app.add_middleware(InFlightLimit)

    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", tags=["public"])
    def healthz(request: Request) -> dict[str, str]:
        """Liveness and database reachability (for load balancers and monitoring)."""
        with get_runtime(request).reads() as reader:  # a read: no write lock on SQLite
            reader.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        return TEMPLATES.TemplateResponse(request, "index.html", {"version": __version__})

    return app
