"""The hub's HTTP service (Starlette; `tandem hub serve` runs it under uvicorn, behind a TLS proxy).

Every route but ``/health`` takes a request signed by an enrolled laptop (app/services/sync/hub_auth.py):

- ``GET /v1/hello``: the hub's versions, the laptop's role and the last push the hub received from it;
- ``POST /v1/push``: the body is a signed package; the answer what merging it did, per table (JSON);
- ``POST /v1/pull``: a package of what changed since the laptop's cursor (``204`` when nothing did);
- ``POST /v1/ack``: ``{"package_id": …}``, the pull the laptop imported: its cursor moves; the answer lists
  the conflicts the hub met since that involve the laptop's own values.

A refusal is JSON ``{"error": code, "message": text}`` with a 4xx status. The work itself runs in a thread
(the database calls block); pushes serialise in the database (an advisory lock), not here.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.hub.service import HubError, HubService

#: The largest package a push may send (a laptop's first push carries everything it holds).
MAX_BODY = 1 << 30


def _error(exc: HubError) -> JSONResponse:
    return JSONResponse({"error": exc.code, "message": exc.message}, status_code=exc.status)


def create_app(service: HubService) -> Starlette:
    async def signed(request: Request):
        declared = int(request.headers.get("content-length") or 0)
        if declared > MAX_BODY:
            raise HubError(413, "too_large", "The package is larger than the hub takes in one push.")
        body = await request.body()
        if len(body) > MAX_BODY:
            raise HubError(413, "too_large", "The package is larger than the hub takes in one push.")
        key = await run_in_threadpool(service.authenticate, request.headers, request.method, request.url.path, body)
        return key, body

    async def hello(request: Request) -> Response:
        try:
            key, _ = await signed(request)
            return JSONResponse(await run_in_threadpool(service.hello, key))
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

    return Starlette(routes=[Route("/v1/hello", hello, methods=["GET"]), Route("/v1/push", push, methods=["POST"]),
                             Route("/v1/pull", pull, methods=["POST"]), Route("/v1/ack", ack, methods=["POST"]),
                             Route("/health", health, methods=["GET"])])
