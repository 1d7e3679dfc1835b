FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=8000

RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home-dir /srv/app app

WORKDIR /srv/app
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install .

COPY alembic.ini config.yaml ./
COPY migrations ./migrations
RUN mkdir -p var && chown -R 10001:10001 /srv/app

USER 10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\", \"8000\")}/health/ready', timeout=4)"]

CMD ["sh", "-c", "python -m app.migrations && exec uvicorn --factory app.main:create_app --host 0.0.0.0 --port ${PORT}"]
