"""The hub's HTTP service (Starlette; `tandem hub serve` runs it under uvicorn, behind a TLS proxy).

Every route but ``/health`` takes a request signed by an enrolled laptop (app/services/sync/hub_auth.py):

- ``GET /v1/hello``: the hub's versions, the laptop's role, the last push the hub received from it, and the
  largest push it takes (``max_push``, bytes);
- ``POST /v1/push``: the body is a signed package; the answer what merging it did, per table (JSON);
- ``POST /v1/pull``: a package of what changed since the laptop's cursor (``204`` when nothing did);
- ``POST /v1/ack``: ``{"package_id": …}``, the pull the laptop imported: its cursor moves; the answer lists
  the conflicts the hub met since that involve the laptop's own values.

A request is judged by its headers before its body is read (`_signed`): no signature, an unknown key (401),
a revoked key (403), or a declared ``Content-Length`` above the limit (413, ``--max-push``) is refused
without reading a byte of the body; a body sent without a length is read only up to the limit. Then the body
is read and its signature checked. A refusal is JSON ``{"error": code, "message": text}`` with a 4xx status.
The work itself runs in a thread (the database calls block); pushes serialise in the database (an advisory
lock), not here, so several worker processes (``--workers``) serve one hub safely.

`serve_app` is the factory uvicorn imports in each worker: it opens the hub's database from the environment
`tandem hub serve` sets (`DATABASE_URL_VAR`, `FILES_VAR`, `MAX_PUSH_VAR`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.hub.service import HubError, HubService
from app.services.sizes import parse_size, size_text

#: The largest package a push may send by default (a laptop's first push carries everything it holds).
MAX_BODY = 1 << 30

#: What `tandem hub serve` hands every worker process (`serve_app`).
DATABASE_URL_VAR, FILES_VAR, MAX_PUSH_VAR = "TANDEM_HUB_DATABASE_URL", "TANDEM_HUB_FILES", "TANDEM_HUB_MAX_PUSH"


def _error(exc: HubError) -> JSONResponse:
    return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)


def _too_large(limit: int, size: int | None = None) -> HubError:
    what = f"The package is {size_text(size)}" if size is not None else "The package is larger than that"
    return HubError(413, "too_large", f"{what}: this hub takes at most {size_text(limit)} in one push "
                                      "(whoever runs the hub sets it: tandem hub serve --max-push).")


def _declared_length(request: Request) -> int | None:
    """The body's declared length (0: no body), or None when it comes without one (chunked)."""
    text = request.headers.get("content-length")
    if text is None:
        return None if "chunked" in request.headers.get("transfer-encoding", "").lower() else 0
    if not text.strip().isdigit():
        raise HubError(400, "bad_request", "The request's Content-Length is not a number.")
    return int(text)


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, read only up to ``limit`` bytes (`HubError` 413 beyond: the rest is never read)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(service: HubService, max_push: int = MAX_BODY, close: Callable[[], None] | None = None) -> Starlette:
    """The hub's app over ``service``; ``max_push`` is the largest body a request may send (bytes);
    ``close`` runs when the server stops (the worker's database)."""

    async def signed(request: Request) -> tuple:
        key = await run_in_threadpool(service.key_of, request.headers)
        declared = _declared_length(request)
        if key.revoked_at is not None:
            if declared == 0:  # nothing to read: the signature can be checked, and the reason told
                await run_in_threadpool(service.verify, key, request.headers, request.method, request.url.path,
                                        b"")
            service.refuse_revoked(key, signed=declared == 0)
        if declared is not None and declared > max_push:
            raise _too_large(max_push, declared)
        body = await _read_body(request, max_push)
        key = await run_in_threadpool(service.verify, key, request.headers, request.method, request.url.path, body)
        return key, body

    async def hello(request: Request) -> Response:
        try:
            key, _ = await signed(request)
            return JSONResponse({**await run_in_threadpool(service.hello, key), "max_push": max_push})
        except HubError as exc:
            return _error(exc)

    async def push(request: Request) -> Response:
        try:
            key, body = await signed(request)
            return JSONResponse(await run_in_threadpool(service.push, key, body))
        except HubError as exc:
            return _error(exc)

    async def pull(request: Request) -> Response:
        try:
            key, _ = await signed(request)

            def make() -> tuple[dict | None, bytes]:
                with tempfile.TemporaryDirectory(prefix="tandem-pull-") as tmp:
                    out = Path(tmp) / "pull.tandem"
                    made = service.pull(key, out)
                    return made, out.read_bytes() if made else b""

            made, data = await run_in_threadpool(make)
            if made is None:
                return Response(status_code=204)
            return Response(data, media_type="application/octet-stream",
                            headers={"x-tandem-package": made["package_id"], "x-tandem-records": str(made["records"])})
        except HubError as exc:
            return _error(exc)

    async def ack(request: Request) -> Response:
        try:
            key, body = await signed(request)
            try:
                package_id = str(json.loads(body)["package_id"])
            except (ValueError, KeyError, TypeError):
                raise HubError(400, "bad_request", "An acknowledgement names the package imported.") from None
            conflicts = await run_in_threadpool(service.ack, key, package_id)
            return JSONResponse({"ok": True, "conflicts": conflicts})
        except HubError as exc:
            return _error(exc)

    async def health(_request: Request) -> Response:
        return JSONResponse({"ok": True})

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        try:
            yield
        finally:
            if close is not None:
                close()

    return Starlette(routes=[Route("/v1/hello", hello, methods=["GET"]), Route("/v1/push", push, methods=["POST"]),
                             Route("/v1/pull", pull, methods=["POST"]), Route("/v1/ack", ack, methods=["POST"]),
                             Route("/health", health, methods=["GET"])], lifespan=lifespan)


def serve_app() -> Starlette:
    """The app of one worker process of `tandem hub serve` (a uvicorn factory): its own connection pool to the
    hub's database named by the environment the command set."""
    from app.hub.database import open_hub_database

    db = open_hub_database(os.environ[DATABASE_URL_VAR], files_dir=os.environ.get(FILES_VAR) or None)
    return create_app(HubService(db), max_push=parse_size(os.environ.get(MAX_PUSH_VAR) or str(MAX_BODY)),
                      close=db.close)
