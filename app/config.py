"""Settings. The defaults are the ones written here (the only place they are written);
`config.yaml` is the documented example a deployment edits (it lists every setting at its
default, which `tests/test_config.py` keeps true), and `CODEGEN_<GROUP>__<FIELD>` environment
variables override both. Unknown keys, in the file or as arguments, are errors."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = PROJECT_ROOT / "config.yaml"


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatabaseSettings(_Group):
    url: str = "sqlite+aiosqlite:///./var/codegen.db"
    echo: bool = False
    pool_size: int = 5
    connect_timeout_s: float = 3.0
    health_timeout_s: float = 2.0
    write_failure_window_s: float = 30.0  # a failed write keeps the database down this long
    min_free_mb: int = 8  # SQLite: less free space on the database's volume is `degraded`


class HttpSettings(_Group):
    max_body_bytes: int = 1024 * 1024


class LogSettings(_Group):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class GenerationSettings(_Group):
    max_prd_bytes: int = 256 * 1024
    max_parallel_nodes: int = 4
    node_timeout_s: float = 20.0


class AnalysisSettings(_Group):
    workers: int = 2  # spawned processes; a PRD that overruns its budget costs only its worker
    budget_s: float = 10.0  # hard stop (the worst known 256 KiB input takes under 2 s)


class AdmissionSettings(_Group):
    max_concurrent: int = 8  # /generate and /generate/plan requests running at once
    max_queued: int = 64  # waiting for a slot; beyond it, 503 overloaded with Retry-After
    max_wait_s: float = 30.0  # a request that waited this long for a slot gets the 503 too
    retry_after_s: int = 2


class VerificationSettings(_Group):
    workers: int = 4  # more warm processes than cores on purpose (measured; see config.yaml)
    memory_limit_mb: int = 1024
    scratch_dir: Path | None = None  # None: /dev/shm when writable, else the system temp dir
    # the sandbox (app/sandbox/isolation.py): who untrusted code runs as, what it cannot see
    sandbox_uid: int = 65534  # used when the service runs as root
    sandbox_gid: int = 65534
    allow_unisolated: bool = False  # run untrusted code even when isolation cannot be applied
    hidden_paths: list[Path] = [
        Path("var"),
        Path("/root"),
        Path("/home"),
        Path("/run"),
        Path("/var/lib/postgresql"),
    ]
    sandbox_scratch_mb: int = 64  # private writable /tmp and /dev/shm of each sandboxed task
    max_processes: int = 64
    max_open_files: int = 256
    max_file_size_mb: int = 64


class MixinSettings(_Group):
    model_path: Path = Path("var/mixin_model")  # writable: runtime retrains, catalog cache
    baseline_path: Path = Path("app/mixins/baseline")  # checked in by `make mixin-sweep`
    retrain_after_feedback: int = 50
    oracle_timeout_s: float = 5.0
    # how much one user report weighs against the model (1 = as much as one measurement);
    # reports never override a measured outcome: a conflicting one makes the oracle re-measure
    feedback_weight: float = 0.25
    keep_models: int = 5  # retrained model folders kept (newest; the active one always)


class RetentionSettings(_Group):
    max_age_days: int = 30  # generations older than this lose their files (0: no age limit)
    max_generations_with_files: int = 10000  # beyond the newest N, too (0: no count limit)
    interval_s: float = 3600.0  # between pruning runs in the service
    batch_size: int = 100  # generations per transaction


class HealthSettings(_Group):
    cache_s: float = 1.0  # a check's answer is reused this long: a probe storm costs one run
    refresh_s: float = 15.0  # checks also run this often, so codegen_health_status stays fresh


class AuthSettings(_Group):
    # open: no key needed (the embedded local default; a WARNING at start-up says so);
    # keys: every route but /health*, /metrics and the docs needs `Authorization: Bearer <key>`
    mode: Literal["open", "keys"] = "open"
    generate_rate: str = "60/minute"  # per key (open mode: per client address), `limits` syntax
    feedback_rate: str = "120/minute"
    rate_storage: str = "memory://"  # or redis://127.0.0.1:6379 to share limits across processes


class FeedbackSettings(_Group):
    # how much one verdict counts in metrics and tuning, by its source
    user_weight: float = 1.0
    automated_weight: float = 0.5
    # POST /patterns/tune: the older tune_fraction of a pattern's verdicts chooses its threshold,
    # the newer rest validates it; only patterns with min_samples verdicts with a confidence
    tune_fraction: float = Field(default=0.7, gt=0, lt=1)
    min_samples: int = Field(default=20, ge=2)
    target_precision: float | None = Field(default=None, gt=0, le=1)  # None: maximise F1
    thresholds_ttl_s: float = 2.0  # generation re-reads the active thresholds this often
    metrics_refresh_s: float = 30.0  # /metrics pattern gauges recomputed from the database


class EventsSettings(_Group):
    # the transactional outbox (app/events): None keeps it as the event log at GET /events;
    # nats://127.0.0.1:4222 dispatches it to NATS JetStream (in the service and `make worker`)
    broker: str | None = None
    stream: str = "CODEGEN"  # JetStream stream; subjects `<subject_prefix>.<event type>`
    subject_prefix: str = "codegen"
    duplicate_window_s: float = 120.0  # JetStream drops a re-sent event id within this window
    batch_size: int = 10
    batch_timeout_ms: int = 100  # the longest a committed event waits for its batch to fill
    concurrency: int = 1  # batches in flight per dispatcher (PostgreSQL only; SQLite: 1)
    # GET /events lists events at least this old: ids are taken at record time, so a transaction
    # still open when a reader passes its id would commit an event behind the reader's cursor
    log_settle_s: float = 5.0
    publish_timeout_s: float = 2.0  # one JetStream ack
    max_attempts: int = 8  # an event the broker keeps rejecting is parked after this many
    backoff_base_s: float = 0.5  # exponential backoff with full jitter, per event
    backoff_max_s: float = 60.0
    breaker_threshold: int = 5  # broker failures in a row that open the circuit breaker
    breaker_reset_s: float = 10.0  # open this long before one trial publish
    lag_degraded_s: float = 60.0  # /health: outbox degraded when the oldest event is older
    retention_days: int = 7  # published events older than this are pruned (0: kept forever)
    prune_interval_s: float = 3600.0
    prune_batch_size: int = 1000


class WebhooksSettings(_Group):
    # signed callbacks (app/webhooks): only these hosts, exact or `*.suffix`; empty: none
    allowed_hosts: list[str] = []
    allow_private: bool = False  # loopback, private, link-local, ... addresses (tests, dev)
    secret: str | None = None  # HMAC-SHA256 key; None: callback URLs are refused
    replay_window_s: int = 300  # receivers reject an X-Webhook-Timestamp older/newer than this
    timeout_s: float = 10.0  # one attempt, DNS to the last response byte read
    max_response_bytes: int = 4096  # of a receiver's answer read (kept in last_error)
    max_attempts: int = 10  # then the delivery is parked (GET /webhooks/deliveries?status=parked)
    backoff_base_s: float = 1.0  # exponential backoff with full jitter, per delivery
    backoff_max_s: float = 600.0
    poll_interval_s: float = 1.0  # the sender looks for due deliveries this often
    batch_size: int = 10  # deliveries sent at once


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CODEGEN_", env_nested_delimiter="__", yaml_file=CONFIG_FILE, extra="forbid"
    )

    database: DatabaseSettings = DatabaseSettings()
    http: HttpSettings = HttpSettings()
    log: LogSettings = LogSettings()
    generation: GenerationSettings = GenerationSettings()
    analysis: AnalysisSettings = AnalysisSettings()
    admission: AdmissionSettings = AdmissionSettings()
    verification: VerificationSettings = VerificationSettings()
    mixins: MixinSettings = MixinSettings()
    auth: AuthSettings = AuthSettings()
    retention: RetentionSettings = RetentionSettings()
    health: HealthSettings = HealthSettings()
    events: EventsSettings = EventsSettings()
    feedback: FeedbackSettings = FeedbackSettings()
    webhooks: WebhooksSettings = WebhooksSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, YamlConfigSettingsSource(settings_cls))
