# digiwatt-bot: `docker build -t digiwatt-bot .`, then see docker-compose.yml and README "Operations".
# Two stages: the builder installs the package and its runtime dependencies (no dev extra) into a
# virtual environment; the runtime image gets that environment alone, and runs as a non-root user.
# tests/integration/test_docker_install.py performs the builder's steps below in a fresh venv.

FROM python:3.11-slim AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY simulator ./simulator
COPY playground ./playground
RUN python -m venv /opt/venv
RUN /opt/venv/bin/pip install --upgrade pip
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin digiwatt \
    && mkdir /data && chown digiwatt:digiwatt /data
COPY --from=builder /opt/venv /opt/venv
# One HTTP port for the webhook (webhook mode) or /healthz and /metrics (polling mode).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    LOG_FORMAT=json \
    WEBHOOK_LISTEN=0.0.0.0 \
    WEBHOOK_PORT=8080 \
    METRICS_PORT=8080 \
    DATABASE_URL=sqlite+aiosqlite:////data/digiwatt-bot.db
USER digiwatt
WORKDIR /home/digiwatt
VOLUME ["/data"]
EXPOSE 8080
# No curl in a slim image: Python asks /healthz (database and Digiwatt reachable); 503 fails it.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('METRICS_PORT', '8080'), timeout=8)"]
# SIGTERM: stop taking updates, finish those in flight, flush persistence (bot/service.py).
STOPSIGNAL SIGTERM
# `run` applies the database migrations before it starts (several replicas may do it at once).
ENTRYPOINT ["digiwatt-bot"]
CMD ["run"]
