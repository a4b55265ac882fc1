"""What `korus-watch serve` answers over HTTP (127.0.0.1 unless configured): `/healthz` and `/metrics`, and the
web app beside them, served by uvicorn on the service's own event loop.

The health answers come from the HealthSource's figures, never from the database, so they come at once even while
the database stalls; the web app runs its database work in its thread pool. Health and metrics are outside the web
app's access control: monitors and Prometheus reach them without the readers' credentials."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from scheduler.health import HealthSource, ServiceMetrics


def service_app(source: HealthSource, metrics: ServiceMetrics, web_app: ASGIApp | None) -> Starlette:
    async def healthz(request: Request) -> Response:
        verdict = source.verdict()
        return JSONResponse({"healthy": verdict.healthy, "reason": verdict.reason, **verdict.details},
                            status_code=200 if verdict.healthy else 503)

    async def prometheus(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET", "HEAD"]),
                               Route("/metrics", prometheus, methods=["GET", "HEAD"])]
    if web_app is not None:
        routes.append(Mount("/", app=web_app))
    return Starlette(routes=routes)
