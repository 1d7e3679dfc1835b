"""External systems a PRD talks to (Stripe, S3, Slack, SMTP, Kafka, PostgreSQL, HTTP APIs...).

Matched on words and word pairs (one dictionary lookup each), never with a scan per system.
"""

from app.analysis import lexicon
from app.analysis.markdown import Block
from app.analysis.plan import ExternalSystem
from app.analysis.requirements import clean
from app.analysis.sections import Role, role

# trigger words / word pairs -> (snake name, category)
_SPEC: list[tuple[str, str, str]] = [
    ("stripe", "stripe", "payment"),
    ("paypal braintree adyen", "payment_provider", "payment"),
    ("payment-provider payment-gateway payment-processor", "payment_gateway", "payment"),
    ("s3 minio object-storage blob-storage gcs", "object_storage", "file"),
    ("slack", "slack", "chat"),
    ("smtp sendgrid ses mailgun email emails e-mail", "email", "email"),
    ("sms twilio", "sms", "sms"),
    (
        "kafka redpanda rabbitmq sqs sns pub/sub pubsub message-queue message-broker",
        "message_broker",
        "queue",
    ),
    ("postgres postgresql mysql sqlite mariadb", "relational_database", "database"),
    ("mongodb dynamodb cassandra", "document_database", "database"),
    ("snowflake bigquery redshift data-warehouse", "data_warehouse", "database"),
    ("vector-database pinecone weaviate qdrant chroma", "vector_database", "database"),
    ("redis memcached", "redis", "cache"),
    ("webhook webhooks", "webhook", "http_api"),
    ("websocket websockets", "websocket", "realtime"),
    ("github gitlab git", "git_host", "http_api"),
    ("jira", "jira", "http_api"),
    ("openai anthropic gemini llm language-model embedding-model", "llm_api", "http_api"),
    ("airflow celery apscheduler cron", "scheduler", "scheduler"),
    ("local-storage file-system filesystem", "file_system", "file"),
    ("mlflow", "mlflow", "http_api"),
    ("argocd kubernetes openshift", "cluster_api", "http_api"),
    (
        "external-api third-party-api third-party external-service rest-api http-api",
        "http_api",
        "http_api",
    ),
]
_TRIGGERS: dict[str, tuple[str, str]] = {
    trigger.replace("-", " ") if trigger.count("-") == 1 and trigger != "e-mail" else trigger: (
        name,
        cat,
    )
    for words, name, cat in _SPEC
    for trigger in words.split()
}
_TRIGGERS.update(
    {"third party api": ("http_api", "http_api"), "third-party api": ("http_api", "http_api")}
)


def _systems(text: str) -> list[tuple[str, str]]:
    words = [
        part
        for word in lexicon.tokens(text)
        for part in ([word, *word.split("/")] if "/" in word else [word])
    ]
    found: list[tuple[str, str]] = []
    for i, word in enumerate(words):
        for key in (word, f"{words[i - 1]} {word}" if i else ""):
            if key and (hit := _TRIGGERS.get(key)) and hit not in found:
                found.append(hit)
    return found


def extract(blocks: list[Block], block_req: dict[int, str]) -> list[ExternalSystem]:
    found: dict[str, tuple[str, dict[str, None]]] = {}
    for i, block in enumerate(blocks):
        if block.kind == "code" or role(block.path) is Role.SKIP:
            continue
        text = (
            " ".join(" ".join(r) for r in block.rows)
            if block.kind == "table"
            else clean(block.text)
        )
        for name, category in _systems(text):
            _, rids = found.setdefault(name, (category, {}))
            if rid := block_req.get(i):
                rids[rid] = None
    return [
        ExternalSystem(name=n, category=c, requirement_ids=list(r)) for n, (c, r) in found.items()
    ]
