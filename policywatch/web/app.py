"""The web app: Starlette routes over the page documents, Jinja2 templates, JSON twins.

Each HTML page has a JSON twin under ``/api`` built from the same document
(:mod:`policywatch.web.pages`), so the browser and a program see the same data. Pages are
server-rendered and need no JavaScript (there is none). Handlers are plain functions:
Starlette runs them in its thread pool, and each thread keeps its own SQLite connection
(:class:`policywatch.web.state.WebState`).
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from policywatch.errors import PolicywatchError
from policywatch.store import StoreError
from policywatch.web import pages
from policywatch.web import subscribe as subs
from policywatch.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SECURITY_HEADERS,
    SESSION_COOKIE,
    csrf_valid,
    new_csrf,
    new_session,
    same_origin,
    session_valid,
    token_matches,
)
from policywatch.web.state import WebState

_DIFF_NAME = re.compile(r"^[0-9]+\.(html|md)$")
#: The diff files carry their own inline styles (they are meant to be opened alone too).
DIFF_FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'"
DEFAULT_FEED_LIMIT = 100
#: Forms and JSON bodies are small: a subscription. Anything larger is refused.
MAX_BODY_BYTES = 64 * 1024


class _JSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, default=str,
                          separators=(",", ":")).encode("utf-8")


def _query_string(query: dict[str, list[str]], **changes: Any) -> str:
    """``?a=1&b=2`` from a page's parameters with some changed (None drops one)."""
    merged: dict[str, Any] = {key: list(value) for key, value in query.items()}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = [str(value)]
    pairs = [(key, item) for key, items in merged.items() for item in items]
    return "?" + urlencode(pairs) if pairs else "?"


def _environment() -> Environment:
    from policywatch.web.chart import threshold_svg

    env = Environment(loader=PackageLoader("policywatch.web", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.globals["qs"] = _query_string
    # threshold_svg escapes every string it writes: its output is markup.
    env.filters["svg"] = lambda chart: Markup(threshold_svg(chart))  # noqa: S704
    # snippet_html escapes the passage before it adds <mark>: its output is markup.
    env.filters["snippet"] = lambda html: Markup(html)  # noqa: S704
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, indent=1,
                                                   default=str)
    return env


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (a response that set its
    own Content-Security-Policy keeps it)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class WebApp:
    """The routes of one app over one :class:`WebState`."""

    def __init__(self, state: WebState) -> None:
        self.state = state
        self.env = _environment()

    # -- helpers ----------------------------------------------------------------------------
    def public_url(self, request: Request) -> str:
        return (self.state.public_url or str(request.base_url)).rstrip("/")

    def signed_in(self, request: Request) -> bool:
        return session_valid(self.state.web.token, request.cookies.get(SESSION_COOKIE))

    def bearer(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        return scheme.lower() == "bearer" and token_matches(self.state.web.token, given.strip())

    def render(self, request: Request, template: str, context: dict[str, Any],
               status: int = 200) -> HTMLResponse:
        csrf = request.cookies.get(CSRF_COOKIE)
        fresh = not csrf
        csrf = csrf or new_csrf()
        body = self.env.get_template(template).render(
            request=request, csrf=csrf, csrf_field=CSRF_FIELD, path=request.url.path,
            signed_in=self.signed_in(request), writable=bool(self.state.web.token),
            search_model=self.state.model_name(), **context)
        response = HTMLResponse(body, status_code=status)
        if fresh:
            response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict",
                                secure=request.url.scheme == "https", path="/")
        return response

    def error_page(self, request: Request, status: int, message: str) -> HTMLResponse:
        return self.render(request, "error.html", {"status": status, "message": message},
                           status=status)

    def html(self, build: Callable[[Request], tuple[str, dict[str, Any]]]
             ) -> Callable[[Request], Response]:
        """An HTML endpoint: ``build`` returns a template and its context; the library's
        errors become an error page with the right status."""

        def endpoint(request: Request) -> Response:
            try:
                template, context = build(request)
            except pages.NotFound as exc:
                return self.error_page(request, 404, str(exc))
            except (pages.BadRequest, ValueError) as exc:
                return self.error_page(request, 400, str(exc))
            except (PolicywatchError, StoreError) as exc:
                return self.error_page(request, 500, str(exc))
            return self.render(request, template, context)

        return endpoint

    def api(self, build: Callable[[Request], Any], status: int = 200
            ) -> Callable[[Request], Response]:
        """A JSON endpoint over the same documents; errors are ``{"error": ...}``."""

        def endpoint(request: Request) -> Response:
            try:
                result = build(request)
            except pages.NotFound as exc:
                return _JSON({"error": str(exc)}, status_code=404)
            except (pages.BadRequest, ValueError) as exc:
                return _JSON({"error": str(exc)}, status_code=400)
            except PermissionError as exc:
                return _JSON({"error": str(exc)}, status_code=403 if "disabled" in str(exc)
                             else 401, headers={"WWW-Authenticate": "Bearer"})
            except (PolicywatchError, StoreError) as exc:
                return _JSON({"error": str(exc)}, status_code=500)
            if isinstance(result, Response):
                return result
            return _JSON(result, status_code=status)

        return endpoint

    def require_token(self, request: Request, *, cookie: bool) -> None:
        if not self.state.web.token:
            raise PermissionError("writing is disabled: no token is configured ([web] token "
                                  "or POLICYWATCH_WEB_TOKEN)")
        if self.bearer(request) or (cookie and self.signed_in(request)):
            return
        raise PermissionError("this needs the token: Authorization: Bearer TOKEN")

    # -- documents -------------------------------------------------------------------------
    def changes(self, request: Request) -> dict[str, Any]:
        from policywatch.web.labels import event_choices, tier_choices

        document = pages.changes_document(self.state.store(), request.query_params)
        if request.url.path.startswith("/api/"):
            return document
        return {**document, "event_choices": event_choices(), "tier_choices": tier_choices(),
                "sources": self.sources()}

    def sources(self) -> list[dict[str, Any]]:
        return list(self.state.store().db.query(
            "select id, name, region, language from sources order by id"))

    def search_list(self, request: Request) -> list[dict[str, Any]]:
        limit = pages.page_size(request.query_params, default=10, most=100)
        if not " ".join(request.query_params.getlist("q")).strip():
            raise pages.BadRequest("q is required: /api/search?q=小巨人")
        response = pages.run_search(self.state.store(), request.query_params,
                                    self.state.embedder, limit)
        return [result.as_dict() for result in response.results]

    def search_page(self, request: Request) -> dict[str, Any]:
        return pages.search_document(self.state.store(), request.query_params,
                                     self.state.embedder)

    def diff(self, request: Request) -> dict[str, Any]:
        from policywatch.commands.lineage import attachment_diffs

        include = request.query_params.get("all") in ("1", "true", "on")
        return pages.diff_document(self.state.store(), request.path_params["old"],
                                   request.path_params["new"], include_unchanged=include,
                                   attachments=attachment_diffs)

    def measure(self, request: Request) -> dict[str, Any]:
        compare = request.query_params.get("compare", "1") not in ("0", "false", "off")
        return pages.measure_document(self.state.store(), request.path_params["measure_id"],
                                      compare=compare)

    def status(self, request: Request) -> dict[str, Any]:
        from policywatch.store import search_index as idx

        store = self.state.store()
        return {"database": self.state.db_path.name, "model": self.state.model_name(),
                "model_note": self.state.model_note, "index": idx.indexed_counts(store),
                "notices": store.db.execute("select count(*) from notices").fetchone()[0],
                "writable": bool(self.state.web.token)}

    # -- feeds and files ---------------------------------------------------------------------
    def feed(self, request: Request) -> Response:
        from policywatch.alerts.channels import atom_feed
        from policywatch.alerts.subscriptions import select_events
        from policywatch.store.alerts import get_subscription, recent_events

        store = self.state.store()
        params = request.query_params
        limit = pages.page_size(params, default=DEFAULT_FEED_LIMIT, most=10_000)
        public = self.public_url(request)
        subscription = params.get("subscription")
        title = "policywatch alerts"
        try:
            if subscription:
                row = get_subscription(store, int(subscription)) if subscription.isdigit() \
                    else None
                if row is None:
                    return PlainTextResponse("no such subscription\n", status_code=404)
                ordered = sorted(recent_events(store, limit=pages.EVENT_WINDOW),
                                 key=lambda e: e["id"])
                events = [e for e, _ in select_events(row["filters"], ordered)][-limit:]
                title += f" (subscription #{row['id']})"
            else:
                events = pages.select_events(store, params)[:limit]
                if any(params.getlist(name) for name in pages.CHANGE_FILTERS):
                    title += " (filtered)"
        except pages.BadRequest as exc:
            return PlainTextResponse(f"{exc}\n", status_code=400)
        self_url = public + str(request.url).removeprefix(str(request.base_url).rstrip("/"))
        body = atom_feed(events, title=title, public_url=public, self_url=self_url)
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    def alerts_json(self, request: Request) -> dict[str, Any]:
        from policywatch.alerts.report import alerts_document

        limit = pages.page_size(request.query_params, default=100, most=1000)
        return alerts_document(self.state.store(), limit=limit,
                               public_url=self.public_url(request), public=True)

    def diff_file(self, request: Request) -> Response:
        from policywatch.alerts.events import diff_folder_for

        name = request.path_params["name"]
        if not _DIFF_NAME.match(name):
            return PlainTextResponse("not found\n", status_code=404)
        file = diff_folder_for(self.state.db_path) / name
        if not file.is_file():
            return PlainTextResponse("no such diff\n", status_code=404)
        kind = "text/html" if name.endswith(".html") else "text/markdown"
        return Response(file.read_bytes(), media_type=f"{kind}; charset=utf-8",
                        headers={"Content-Security-Policy": DIFF_FILE_CSP})

    # -- login and subscriptions -------------------------------------------------------------
    async def form_checked(self, request: Request) -> dict[str, Any]:
        """The posted form, after the CSRF and origin checks (ValueError when they fail)."""
        form = await request.form()
        origin = request.headers.get("origin") or request.headers.get("referer")
        if not same_origin(origin, request.headers.get("host")):
            raise PermissionError("this form was posted from another site")
        if not csrf_valid(request.cookies.get(CSRF_COOKIE), str(form.get(CSRF_FIELD) or "")):
            raise PermissionError("the form's CSRF token does not match: reload the page and "
                                  "try again")
        fields: dict[str, Any] = {}
        for key, value in form.multi_items():
            fields.setdefault(key, []).append(str(value))
        return fields

    @staticmethod
    def _next(value: str | None) -> str:
        value = value or "/subscriptions"
        return value if value.startswith("/") and not value.startswith("//") else "/"

    def login_page(self, request: Request) -> Response:
        return self.render(request, "login.html", {
            "next": self._next(request.query_params.get("next")), "message": None})

    async def login(self, request: Request) -> Response:
        try:
            form = await self.form_checked(request)
        except PermissionError as exc:
            return self.error_page(request, 403, str(exc))
        target = self._next((form.get("next") or [None])[0])
        token = self.state.web.token
        if not token:
            return self.render(request, "login.html", {"next": target, "message": (
                "没有配置令牌，写入已关闭 / writing is disabled: no token is configured "
                "([web] token or POLICYWATCH_WEB_TOKEN)")}, status=403)
        if not token_matches(token, (form.get("token") or [""])[0]):
            time.sleep(0.5)  # a guesser gets two tries a second per connection, not thousands
            return self.render(request, "login.html", {"next": target, "message":
                                                       "令牌不对 / wrong token"}, status=401)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(SESSION_COOKIE, new_session(token, self.state.web.session_hours),
                            max_age=self.state.web.session_hours * 3600, httponly=True,
                            samesite="strict", secure=request.url.scheme == "https", path="/")
        return response

    async def logout(self, request: Request) -> Response:
        try:
            await self.form_checked(request)
        except PermissionError as exc:
            return self.error_page(request, 403, str(exc))
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    def subscriptions_page(self, request: Request, *, message: str | None = None,
                           ok: bool = True, status: int = 200) -> Response:
        from policywatch.web.labels import event_choices, metric_choices, tier_choices

        if not self.signed_in(request):
            return RedirectResponse("/login?" + urlencode({"next": "/subscriptions"}),
                                    status_code=303)
        document = subs.subscriptions_document(self.state.store())
        return self.render(request, "subscriptions.html", {
            **document, "message": message, "ok": ok, "event_choices": event_choices(),
            "tier_choices": tier_choices(), "metric_choices": metric_choices(),
            "sources": self.sources(), "channels": subs.CHANNELS}, status=status)

    async def subscription_action(self, request: Request) -> Response:
        if not self.signed_in(request):
            return self.error_page(request, 401, "登录后才能修改订阅 / sign in to change "
                                   "subscriptions")
        try:
            form = await self.form_checked(request)
        except PermissionError as exc:
            return self.error_page(request, 403, str(exc))
        action = request.path_params.get("action", "create")
        if action not in ("create", "remove", "test") or (
                action == "create" and "subscription_id" in request.path_params):
            return self.error_page(request, 404, "没有这个操作 / no such action")
        store = self.state.store()
        try:
            if action == "create":
                new_id = subs.create_subscription(store, form, smtp=self.state.smtp())
                view = subs.get_view(store, new_id)
                return self.subscriptions_page(
                    request, message=f"已创建订阅 #{new_id} / subscription #{new_id} created: "
                    f"{view['channel']} {view['target']}")
            subscription_id = int(request.path_params["subscription_id"])
            if action == "remove":
                subs.remove_subscription(store, subscription_id)
                return self.subscriptions_page(
                    request, message=f"已停止订阅 #{subscription_id} / subscription "
                    f"#{subscription_id} stopped")
            ok, answer = subs.send_sample(store, subscription_id, settings=self.state.alerts,
                                          smtp=self.state.smtp())
            prefix = "测试消息已发送 / test alert sent" if ok else \
                "测试消息未送达 / test alert not delivered"
            return self.subscriptions_page(request, message=f"#{subscription_id} {prefix}: "
                                           f"{answer}", ok=ok)
        except pages.NotFound as exc:
            return self.subscriptions_page(request, message=str(exc), ok=False, status=404)
        except (pages.BadRequest, PolicywatchError) as exc:
            return self.subscriptions_page(request, message=str(exc), ok=False, status=400)

    async def api_subscriptions(self, request: Request) -> Response:
        try:
            self.require_token(request, cookie=request.method == "GET")
        except PermissionError as exc:
            status = 403 if "disabled" in str(exc) else 401
            return _JSON({"error": str(exc)}, status_code=status,
                         headers={"WWW-Authenticate": "Bearer"})
        store = self.state.store()
        subscription_id = request.path_params.get("subscription_id")
        try:
            if request.method == "GET":
                if subscription_id is not None:
                    return _JSON(subs.get_view(store, int(subscription_id)))
                return _JSON(subs.subscriptions_document(store))
            if request.method == "DELETE":
                subs.remove_subscription(store, int(subscription_id))
                return _JSON({"id": int(subscription_id), "active": False})
            if request.path_params.get("action") not in (None, "test"):
                return _JSON({"error": "not found"}, status_code=404)
            if request.path_params.get("action") == "test":
                ok, answer = subs.send_sample(store, int(subscription_id),
                                              settings=self.state.alerts,
                                              smtp=self.state.smtp())
                return _JSON({"id": int(subscription_id), "delivered": ok, "answer": answer},
                             status_code=200 if ok else 502)
            try:
                body = await request.json()
            except ValueError:
                return _JSON({"error": "the body must be a JSON object"}, status_code=400)
            if not isinstance(body, dict):
                return _JSON({"error": "the body must be a JSON object"}, status_code=400)
            new_id = subs.create_subscription(store, body, smtp=self.state.smtp())
            return _JSON(subs.get_view(store, new_id), status_code=201)
        except pages.NotFound as exc:
            return _JSON({"error": str(exc)}, status_code=404)
        except (pages.BadRequest, PolicywatchError) as exc:
            return _JSON({"error": str(exc)}, status_code=400)

    # -- the eligibility check (policywatch.web.check) ---------------------------------------
    def check_page(self, request: Request) -> dict[str, Any]:
        from policywatch.web.check import check_page_document

        return check_page_document(self.state.store(), request.query_params)

    async def api_check(self, request: Request) -> Response:
        from policywatch.web.check import api_check

        return await api_check(self.state.store(), request, MAX_BODY_BYTES)

    def openapi(self, request: Request) -> Response:
        from policywatch.web.openapi import openapi_document

        return _JSON(openapi_document(self.public_url(request)))

    # -- the routes ---------------------------------------------------------------------------
    def routes(self) -> list[Any]:
        static = Path(__file__).resolve().parent / "static"

        def page(template: str, build: Callable[[Request], Any]
                 ) -> Callable[[Request], tuple[str, dict[str, Any]]]:
            return lambda request: (template, build(request))

        def notice(request: Request) -> dict[str, Any]:
            return pages.notice_document(self.state.store(), request.path_params["notice_id"])

        def notices(request: Request) -> dict[str, Any]:
            from policywatch.web.labels import kind_choices, tier_choices

            document = pages.notices_document(self.state.store(), request.query_params)
            if request.url.path.startswith("/api/"):
                return document
            return {**document, "tier_choices": tier_choices(), "kind_choices": kind_choices(),
                    "sources": self.sources()}

        def search_page(request: Request) -> dict[str, Any]:
            from policywatch.web.labels import kind_choices, tier_choices

            return {**self.search_page(request), "tier_choices": tier_choices(),
                    "kind_choices": kind_choices(), "sources": self.sources()}

        def diff_page(request: Request) -> dict[str, Any]:
            view = "side" if request.query_params.get("view") == "side" else "inline"
            return {**self.diff(request), "view": view,
                    "all": request.query_params.get("all") in ("1", "true", "on"),
                    "old_ref": request.path_params["old"], "new_ref": request.path_params["new"]}

        def measures(request: Request) -> dict[str, Any]:
            return pages.measures_document(self.state.store())

        version = r"{old:str}/{new:str}"
        return [
            Route("/", self.html(page("changes.html", self.changes))),
            Route("/index.html", self.html(page("changes.html", self.changes))),
            Route("/search", self.html(page("search.html", search_page))),
            Route("/notices", self.html(page("notices.html", notices))),
            Route("/notices/{notice_id:int}", self.html(page("notice.html", notice))),
            Route(f"/diff/{version}", self.html(page("diff.html", diff_page))),
            Route("/measures", self.html(page("measures.html", measures))),
            Route("/check", self.html(page("check.html", self.check_page))),
            Route("/measures/{measure_id:str}", self.html(page("measure.html", self.measure))),
            Route("/subscriptions", self.subscriptions_page, methods=["GET"]),
            Route("/subscriptions", self.subscription_action, methods=["POST"]),
            Route("/subscriptions/{subscription_id:int}/{action:str}",
                  self.subscription_action, methods=["POST"]),
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/feed.xml", self.feed),
            Route("/alerts.json", self.api(self.alerts_json)),
            Route("/diffs/{name:str}", self.diff_file),
            Route("/api/openapi.json", self.openapi),
            Route("/api/status", self.api(self.status)),
            Route("/api/changes", self.api(self.changes)),
            Route("/api/search", self.api(self.search_list)),
            Route("/api/search/groups", self.api(self.search_page)),
            Route("/api/notices", self.api(notices)),
            Route("/api/notices/{notice_id:int}", self.api(notice)),
            Route(f"/api/diff/{version}", self.api(self.diff)),
            Route("/api/measures", self.api(measures)),
            Route("/api/check", self.api_check, methods=["GET", "POST"]),
            Route("/api/measures/{measure_id:str}", self.api(self.measure)),
            Route("/api/alerts", self.api(self.alerts_json)),
            Route("/api/subscriptions", self.api_subscriptions, methods=["GET", "POST"]),
            Route("/api/subscriptions/{subscription_id:int}", self.api_subscriptions,
                  methods=["GET", "DELETE"]),
            Route("/api/subscriptions/{subscription_id:int}/{action:str}",
                  self.api_subscriptions, methods=["POST"]),
            Mount("/static", StaticFiles(directory=static), name="static"),
        ]


def create_app(state: WebState) -> Any:
    """The ASGI app over ``state`` (load it first: :meth:`WebState.load`)."""
    web = WebApp(state)

    async def not_found(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return _JSON({"error": "not found"}, status_code=404)
        return web.error_page(request, 404, "没有这个页面 / not found")

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        state.close()

    app = Starlette(routes=web.routes(), exception_handlers={404: not_found},
                    lifespan=lifespan, max_body_size=MAX_BODY_BYTES)
    app.state.web = web
    return SecurityHeaders(app)
