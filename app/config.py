"""Settings: `config.yaml` defaults, overridden by `CODEGEN_*` environment variables."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = PROJECT_ROOT / "config.yaml"


class DatabaseSettings(BaseModel):
    url: str = "sqlite+aiosqlite:///./var/codegen.db"
    echo: bool = False
    pool_size: int = 5
    connect_timeout_s: float = 3.0
    health_timeout_s: float = 2.0


class HttpSettings(BaseModel):
    max_body_bytes: int = 1024 * 1024


class LogSettings(BaseModel):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class GenerationSettings(BaseModel):
    max_prd_bytes: int = 256 * 1024
    verify_by_default: bool = True
    max_parallel_nodes: int = 4
    node_timeout_s: float = 20.0


class VerificationSettings(BaseModel):
    # more warm processes than cores: the OS then balances uneven package sizes (measured)
    workers: int = 4
    check_timeout_s: float = 10.0
    memory_limit_mb: int = 1024
    # where packages are written to be checked; None: /dev/shm when writable (memory-backed,
    # no journal to wait on), else the system's temporary directory
    scratch_dir: Path | None = None


class MixinSettings(BaseModel):
    model_path: Path = Path("var/mixin_model")  # writable: runtime retrains, catalog cache
    baseline_path: Path = Path("app/mixins/baseline")  # checked in by `make mixin-sweep`
    retrain_after_feedback: int = 50
    oracle_timeout_s: float = 5.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CODEGEN_", env_nested_delimiter="__", yaml_file=CONFIG_FILE, extra="ignore"
    )

    environment: Literal["dev", "test", "prod"] = "dev"
    database: DatabaseSettings = DatabaseSettings()
    http: HttpSettings = HttpSettings()
    log: LogSettings = LogSettings()
    generation: GenerationSettings = GenerationSettings()
    verification: VerificationSettings = VerificationSettings()
    mixins: MixinSettings = MixinSettings()

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
