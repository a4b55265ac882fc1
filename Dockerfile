# korus-watch as a service: `docker build -t korus-watch .`; see docker-compose.yml for a complete setup.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY archive archive
COPY crawler crawler
COPY korus_watch korus_watch
COPY notify notify
COPY scheduler scheduler
COPY web web
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/korus-watch --create-home korus-watch
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER korus-watch
WORKDIR /var/lib/korus-watch
# The archive lives in the volume (the default SQLite file of the data directory, /var/lib/korus-watch/archive.sqlite3)
# unless the configuration file or KORUS_WATCH_DATABASE__URL names another database. Health and metrics listen on
# every interface of the container; publish the port to the host's loopback only (docker-compose.yml).
ENV PYTHONUNBUFFERED=1 \
    XDG_DATA_HOME=/var/lib \
    KORUS_WATCH_HTTP__HOST=0.0.0.0 \
    KORUS_WATCH_HTTP__PORT=8787
VOLUME ["/var/lib/korus-watch"]
EXPOSE 8787
# /healthz answers 503 when no poll succeeded lately or the scheduler stopped; urlopen raises on it.
HEALTHCHECK --interval=60s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8787/healthz', timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["korus-watch"]
CMD ["serve"]
