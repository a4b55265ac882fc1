"""The health and metrics endpoint, served by Twisted on the service's reactor (127.0.0.1 unless configured)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from twisted.web.resource import Resource
from twisted.web.server import Site

from scheduler.health import judge, last_successful_poll

if TYPE_CHECKING:
    from scheduler.service import Service

log = logging.getLogger(__name__)


class Healthz(Resource):
    isLeaf = True

    def __init__(self, service: Service) -> None:
        super().__init__()
        self.service = service

    def render_GET(self, request: Any) -> bytes:
        crawl = self.service.settings.crawl
        with self.service.db.sessions() as session:
            last_success = last_successful_poll(session)
        verdict = judge(
            scheduler_running=self.service.scheduler.running and self.service.leading,
            role="leader" if self.service.leading else "standby",
            started_at=self.service.started_at,
            last_success=last_success,
            stale_after=timedelta(minutes=2 * crawl.interval_minutes + crawl.timeout_minutes),
        )
        request.setResponseCode(200 if verdict.healthy else 503)
        request.setHeader(b"Content-Type", b"application/json")
        return json.dumps({"healthy": verdict.healthy, "reason": verdict.reason, **verdict.details}).encode()


class Metrics(Resource):
    isLeaf = True

    def __init__(self, service: Service) -> None:
        super().__init__()
        self.service = service

    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"Content-Type", CONTENT_TYPE_LATEST.encode())
        return generate_latest(self.service.metrics.registry)


def start_http(service: Service) -> Any:
    from twisted.internet import reactor

    root = Resource()
    root.putChild(b"healthz", cast(Any, Healthz(service)))
    root.putChild(b"metrics", cast(Any, Metrics(service)))
    http = service.settings.http
    site = Site(root)
    site.noisy = False
    port: Any = cast(Any, reactor).listenTCP(http.port, site, interface=http.host)
    address = port.getHost()
    log.info("health and metrics at http://%s:%d/healthz and /metrics", address.host, address.port)
    return port
