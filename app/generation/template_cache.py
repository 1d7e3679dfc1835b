"""The Jinja2 environment for generated code: built once, every template compiled once.

`build_environment()` is called once (in the app lifespan); it compiles every template up
front so no request pays for parsing. Lookups are counted per template name in Prometheus.
"""

import functools
import hashlib
import time
from collections.abc import Callable, MutableMapping
from typing import Any

import jinja2
from prometheus_client import Counter, Histogram

from app.generation.render_filters import FILTERS
from app.generation.render_imports import import_block

TEMPLATE_SET_VERSION = "1"

CACHE_HITS = Counter(
    "codegen_template_cache_hits_total",
    "Template lookups served from the compiled-template cache.",
    ["template"],
)
CACHE_MISSES = Counter(
    "codegen_template_cache_misses_total",
    "Template lookups that had to load and compile the template.",
    ["template"],
)
LOAD_SECONDS = Histogram(
    "codegen_template_load_seconds",
    "Time to load and compile one template.",
    ["template"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)


class CachingEnvironment(jinja2.Environment):
    """An Environment whose `get_template` serves compiled templates from a dict and meters it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled: dict[str, jinja2.Template] = {}

    def get_template(
        self,
        name: str | jinja2.Template,
        parent: str | None = None,
        globals: MutableMapping[str, Any] | None = None,
    ) -> jinja2.Template:
        if isinstance(name, jinja2.Template) or parent is not None or globals is not None:
            return super().get_template(name, parent, globals)
        template = self._compiled.get(name)
        if template is not None:
            CACHE_HITS.labels(template=name).inc()
            return template
        CACHE_MISSES.labels(template=name).inc()
        started = time.perf_counter()
        template = super().get_template(name)
        LOAD_SECONDS.labels(template=name).observe(time.perf_counter() - started)
        self._compiled[name] = template
        return template

    @functools.cached_property
    def template_set_sha256(self) -> str:
        """Hash of every template's source (read once: the compiled set never changes)."""
        digest = hashlib.sha256()
        assert self.loader is not None
        for name in sorted(self.list_templates()):
            source, _, _ = self.loader.get_source(self, name)
            digest.update(name.encode() + b"\0" + source.encode() + b"\0")
        return digest.hexdigest()


def build_environment() -> CachingEnvironment:
    """Create the shared environment and compile every template once."""
    env = CachingEnvironment(
        loader=jinja2.PackageLoader("app.generation", "templates"),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        # Output is Python, YAML and Markdown, never HTML: HTML escaping would corrupt code.
        # Safety comes instead from never pasting PRD text: it reaches Python only through
        # the `pyrepr` filter and YAML only through yaml.safe_dump.
        autoescape=False,
    )
    filters: dict[str, Callable[..., Any]] = dict(FILTERS)
    env.filters.update(filters)
    env.globals["import_block"] = import_block
    for name in env.list_templates(filter_func=lambda n: n.endswith(".j2")):
        env.get_template(name)
    return env
