"""The one settings object of the platform.

Every configurable value comes from the environment here and nowhere else, so a reader can see
in one place what a deployment may change. All variables are optional: the defaults give a
working local platform with an embedded PostgreSQL under ``.local/``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Least-privilege roles created by the bootstrap (see DESIGN.md, "Database schemas and roles").
ROLES = ("loader", "transformer", "reporter")


def _path(value: str | None, default: Path | None) -> Path | None:
    if not value:
        return default
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path


# dbt's levels for its log file (dbt --log-level-file)
DBT_LOG_LEVELS = ("debug", "info", "warn", "error", "none")


def _log_level(value: str) -> str:
    if value.lower() not in DBT_LOG_LEVELS:
        raise ValueError(
            f"DBT_LOG_LEVEL_FILE={value!r}: expected one of {', '.join(DBT_LOG_LEVELS)}"
        )
    return value.lower()


@dataclass(frozen=True)
class Settings:
    """Configuration read once from environment variables (see ``.env.example``)."""

    database_url: str | None = None
    landing_dir: Path = PROJECT_ROOT / "data" / "landing"
    sample_dir: Path = PROJECT_ROOT / "data" / "sample"
    dbt_target: str = "dev"
    reporter_database_url_override: str | None = None
    local_dir: Path = PROJECT_ROOT / ".local"
    database_name: str = "olist"
    role_prefix: str = "olist_"
    role_passwords: dict[str, str] = field(default_factory=dict)
    alert_webhook_url: str | None = None
    dagster_home_override: Path | None = None
    load_workers: int = 2
    dbt_builds_kept: int = 20
    dbt_log_level_file: str = "info"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        local_dir = _path(env.get("OLIST_LOCAL_DIR"), PROJECT_ROOT / ".local")
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            landing_dir=_path(env.get("LANDING_DIR"), PROJECT_ROOT / "data" / "landing"),
            sample_dir=_path(env.get("SAMPLE_DIR"), PROJECT_ROOT / "data" / "sample"),
            dbt_target=env.get("DBT_TARGET") or "dev",
            reporter_database_url_override=env.get("REPORTER_DATABASE_URL") or None,
            local_dir=local_dir,
            database_name=env.get("OLIST_DATABASE") or "olist",
            dagster_home_override=_path(env.get("DAGSTER_HOME"), None),
            load_workers=int(env.get("OLIST_LOAD_WORKERS") or 2),
            dbt_builds_kept=int(env.get("OLIST_DBT_BUILDS_KEPT") or 20),
            dbt_log_level_file=_log_level(env.get("DBT_LOG_LEVEL_FILE") or "info"),
            role_passwords={
                role: env.get(f"OLIST_{role.upper()}_PASSWORD", f"{role}-local-only")
                for role in ROLES
            },
            alert_webhook_url=env.get("ALERT_WEBHOOK_URL") or None,
        )

    # --- embedded server -------------------------------------------------------------------

    @property
    def embedded(self) -> bool:
        """True when the platform runs its own PostgreSQL (no ``DATABASE_URL`` given)."""
        return self.database_url is None

    @property
    def dagster_home(self) -> Path:
        """Dagster instance folder: runs, schedules and sensors persist between starts."""
        return self.dagster_home_override or self.local_dir / "dagster"

    @property
    def pgdata_dir(self) -> Path:
        return self.local_dir / "postgres" / "data"

    @property
    def socket_dir(self) -> Path:
        """Where the embedded server's Unix socket lives.

        A Unix socket path is limited to about 100 bytes, and a clone can sit deep in a temporary
        folder, so a long project path falls back to a short folder under /tmp named after it.
        """
        local = self.local_dir / "postgres" / "run"
        if len(str(local)) + len("/.s.PGSQL.5432") < 100:
            return local
        digest = hashlib.sha256(str(self.local_dir).encode()).hexdigest()[:12]
        return Path("/tmp") / f"olist-pg-{digest}"

    # --- connections -----------------------------------------------------------------------

    @property
    def admin_url(self) -> str:
        """Connection of the owner: bootstraps schemas and roles, never used by dashboards."""
        if self.database_url:
            return self.database_url
        return f"postgresql://postgres@/{self.database_name}?host={quote(str(self.socket_dir))}"

    def for_database(self, database: str) -> Settings:
        """The same server and roles, another database."""
        if self.embedded:
            return replace(self, database_name=database)
        return replace(self, database_url=self.admin_url_for(database), database_name=database)

    def admin_url_for(self, database: str) -> str:
        """The owner's connection to another database on the same server."""
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{database}"))

    def role_name(self, role: str) -> str:
        return f"{self.role_prefix}{role}"

    def role_url(self, role: str) -> str:
        """Connection string of one least-privilege role on the same server and database."""
        if role == "reporter" and self.reporter_database_url_override:
            return self.reporter_database_url_override
        params = self.connection_params(role)
        user = quote(params["user"], safe="")
        password = quote(params["password"], safe="")
        host = params["host"]
        if host.startswith("/"):
            return (
                f"postgresql://{user}:{password}@/{params['dbname']}"
                f"?host={quote(host)}&port={params['port']}"
            )
        return f"postgresql://{user}:{password}@{host}:{params['port']}/{params['dbname']}"

    @property
    def reporter_database_url(self) -> str:
        return self.role_url("reporter")

    def server_params(self) -> dict[str, str]:
        """Host, port and database of the warehouse, parsed from ``admin_url``."""
        if self.embedded:
            return {"host": str(self.socket_dir), "port": "5432", "dbname": self.database_name}
        parts = urlsplit(self.admin_url)
        query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
        return {
            "host": query.get("host") or parts.hostname or "localhost",
            "port": str(parts.port or query.get("port") or 5432),
            "dbname": (parts.path or "/").lstrip("/") or self.database_name,
        }

    def connection_params(self, role: str) -> dict[str, str]:
        return {
            **self.server_params(),
            "user": self.role_name(role),
            "password": self.role_passwords.get(role, ""),
        }

    # --- dbt ---------------------------------------------------------------------------------

    @property
    def dbt_project_dir(self) -> Path:
        return PROJECT_ROOT / "dbt_project"

    def dbt_env(self) -> dict[str, str]:
        """Variables that ``dbt_project/profiles.yml`` reads: dbt connects as the transformer."""
        params = self.connection_params("transformer")
        return {
            "OLIST_DBT_HOST": params["host"],
            "OLIST_DBT_PORT": params["port"],
            "OLIST_DBT_DBNAME": params["dbname"],
            "OLIST_DBT_USER": params["user"],
            "OLIST_DBT_PASSWORD": params["password"],
            "DBT_TARGET": self.dbt_target,
        }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings.from_env()
