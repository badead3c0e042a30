"""The docker-compose deployment is wired the way DESIGN.md describes, without a Docker engine.

These checks read docker-compose.yml, the Dagster instance and workspace files, the Dockerfile and
.env.example as data. When the Docker Compose CLI is installed, ``docker compose config`` also
validates the file against the real Compose specification (it needs no engine).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_DIR = "/opt/dagster/app"
DAGSTER_HOME = "/opt/dagster/dagster_home"
APP_SERVICES = ("dagster-webserver", "dagster-daemon", "dashboards")

# ${NAME}, ${NAME:?message} or ${NAME:-<another such reference>}; never a literal default.
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_]\w*)(?:(:?\?)([^}]*)|(:?-)(.*))?\}")
SECRET_KEY = re.compile(r"PASSWORD|SECRET|TOKEN|API_KEY", re.IGNORECASE)
URL_PASSWORD = re.compile(r"://[^:/@\s]+:(?P<password>[^@\s]+)@")
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return _load(COMPOSE_FILE)


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def _published_container_ports(service: dict[str, Any]) -> set[int]:
    ports = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            ports.add(int(port["target"]))
        else:
            ports.add(int(str(port).split(":")[-1].split("/")[0]))
    return ports


def _volume_mounts(service: dict[str, Any]) -> list[tuple[str, str]]:
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            mounts.append((volume["source"], volume["target"]))
        else:
            source, target = str(volume).split(":")[:2]
            mounts.append((source, target))
    return mounts


def _env_only(value: str) -> bool:
    """True when a value can only come from the environment (no literal fallback)."""
    match = ENV_REFERENCE.fullmatch(value)
    if not match:
        return False
    return _env_only(match.group(5)) if match.group(4) else True


def _password_part(value: str) -> str | None:
    """The password of ``scheme://user:PASSWORD@host`` (the whole ``${...}`` when one is used)."""
    start = value.find("://")
    at = value.rfind("@")
    if start < 0 or at < start:
        return None
    userinfo = value[start + 3 : at]
    return userinfo.split(":", 1)[1] if ":" in userinfo else None


# --- docker-compose.yml -----------------------------------------------------------------------


def test_the_four_services_exist(services):
    assert {"postgres", *APP_SERVICES} <= set(services)


def test_postgres_has_a_healthcheck_and_a_named_volume(compose, services):
    postgres = services["postgres"]
    # the same major version as the embedded server and the client tools of backups
    assert str(postgres["image"]) == "postgres:18"
    test = postgres["healthcheck"]["test"]
    assert "pg_isready" in (" ".join(test) if isinstance(test, list) else test)
    named_volumes = set(compose.get("volumes") or {})
    data_mounts = [s for s, t in _volume_mounts(postgres) if t == "/var/lib/postgresql"]
    assert data_mounts and data_mounts[0] in named_volumes, "PostgreSQL data must be a named volume"


def test_application_services_wait_for_a_healthy_postgres(services):
    for name in APP_SERVICES:
        depends_on = services[name].get("depends_on")
        assert isinstance(depends_on, dict), f"{name}: depends_on needs the long form"
        assert depends_on["postgres"]["condition"] == "service_healthy", name


def test_every_service_builds_from_the_dockerfile_or_uses_an_image(services):
    for name, service in services.items():
        build = service.get("build")
        assert build or service.get("image"), f"{name} has neither build nor image"
        if build:
            context = ROOT / (build if isinstance(build, str) else build.get("context", "."))
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile")
            assert (context / (dockerfile or "Dockerfile")).is_file(), name
    for name in APP_SERVICES:
        assert services[name].get("build"), f"{name} must run the project's own image"


def test_ports_3000_and_2718_are_published(services):
    assert 3000 in _published_container_ports(services["dagster-webserver"])
    assert 2718 in _published_container_ports(services["dashboards"])


def test_services_run_the_documented_commands_on_files_that_exist(services):
    webserver = _command(services["dagster-webserver"])
    daemon = _command(services["dagster-daemon"])
    dashboards = _command(services["dashboards"])
    workspace = f"{APP_DIR}/deploy/workspace.yaml"
    assert "dagster-webserver -h 0.0.0.0 -p 3000" in webserver and workspace in webserver
    assert "dagster-daemon run" in daemon and workspace in daemon
    assert "python -m orchestration dashboards --host 0.0.0.0 --port 2718" in dashboards
    assert (ROOT / "deploy" / "workspace.yaml").is_file()
    assert (ROOT / "dashboards" / "executive.py").is_file()
    assert (ROOT / "dashboards" / "index.py").is_file()


def test_no_literal_secrets(compose, services):
    """Every password, in a variable or inside a URL, comes from the environment."""
    for name, service in services.items():
        for key, value in _environment(service).items():
            if SECRET_KEY.search(key):
                assert _env_only(value), f"{name}: {key} holds a literal value"
            password = _password_part(value)
            if password is not None:
                assert _env_only(password), f"{name}: {key} has a literal password"
    # Also outside `environment:` (anchors, configs, commands): no user:password@ in clear.
    for match in URL_PASSWORD.finditer(COMPOSE_FILE.read_text()):
        assert match.group("password").startswith("${"), match.group(0)


def test_required_secrets_fail_fast_when_missing(services):
    password = _environment(services["postgres"])["POSTGRES_PASSWORD"]
    assert password.startswith("${POSTGRES_PASSWORD:?"), "compose must refuse to run without it"


def test_pipeline_services_get_the_platform_environment(services):
    for name in ("dagster-webserver", "dagster-daemon"):
        env = _environment(services[name])
        for key in (
            "DATABASE_URL",
            "OLIST_LOADER_PASSWORD",
            "OLIST_TRANSFORMER_PASSWORD",
            "OLIST_REPORTER_PASSWORD",
            "LANDING_DIR",
            "DAGSTER_PG_HOST",
            "DAGSTER_PG_PORT",
            "DAGSTER_PG_USERNAME",
            "DAGSTER_PG_PASSWORD",
            "DAGSTER_PG_DB",
        ):
            assert env.get(key), f"{name} lacks {key}"
        assert env["DATABASE_URL"].endswith("@postgres:5432/olist")
        assert (str(ROOT / "data" / "landing"), env["LANDING_DIR"]) in [
            (str((ROOT / source).resolve()), target)
            for source, target in _volume_mounts(services[name])
        ], f"{name}: ./data/landing must be mounted at LANDING_DIR"


def test_dashboards_get_only_the_read_only_connection(services):
    env = _environment(services["dashboards"])
    assert "olist_reporter" in env.get("REPORTER_DATABASE_URL", "")
    assert "DATABASE_URL" not in env, "dashboards never connect as the owner"
    assert not {"OLIST_LOADER_PASSWORD", "OLIST_TRANSFORMER_PASSWORD"} & set(env)


def test_env_files_referenced_exist(services):
    for name, service in services.items():
        env_files = service.get("env_file") or []
        for entry in [env_files] if isinstance(env_files, (str, dict)) else env_files:
            path = entry["path"] if isinstance(entry, dict) else entry
            required = entry.get("required", True) if isinstance(entry, dict) else True
            if required:
                assert (ROOT / path).is_file(), f"{name}: env_file {path} is missing"


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for source, _ in _volume_mounts(service):
            if not source.startswith((".", "/", "~", "$")):
                assert source in declared, f"{name}: volume {source} is not declared"


# --- Dagster instance and workspace -----------------------------------------------------------


def test_dagster_instance_uses_postgres_storage_from_the_environment(services):
    instance = _load(ROOT / "deploy" / "dagster.yaml")
    db = instance["storage"]["postgres"]["postgres_db"]
    referenced = set()
    for field in ("hostname", "port", "username", "password", "db_name"):
        assert isinstance(db[field], dict) and set(db[field]) == {"env"}, field
        referenced.add(db[field]["env"])
    for name in ("dagster-webserver", "dagster-daemon"):
        missing = referenced - set(_environment(services[name]))
        assert not missing, f"{name} does not set {sorted(missing)} for dagster.yaml"


def test_dagster_runs_one_at_a_time():
    instance = _load(ROOT / "deploy" / "dagster.yaml")
    coordinator = instance["run_coordinator"]
    assert coordinator["class"] == "QueuedRunCoordinator"
    assert coordinator["config"]["max_concurrent_runs"] == 1


def test_workspace_loads_the_code_location():
    workspace = _load(ROOT / "deploy" / "workspace.yaml")
    modules = []
    for entry in workspace["load_from"]:
        target = entry.get("python_module")
        modules.append(target["module_name"] if isinstance(target, dict) else target)
    assert modules == ["orchestration.definitions"]


# --- Dockerfile and .env.example --------------------------------------------------------------


def test_dockerfile_installs_the_pinned_project_and_its_dagster_instance():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    assert re.search(rf"^ENV\b[^\n]*(\\\n[^\n]*)*DAGSTER_HOME={DAGSTER_HOME}", dockerfile, re.M)
    copy = re.search(r"^COPY\b.*\bdeploy/dagster\.yaml\s+(\S+)\s*$", dockerfile, re.MULTILINE)
    assert copy, "the Dockerfile must copy deploy/dagster.yaml"
    destination = copy.group(1).replace("${DAGSTER_HOME}", DAGSTER_HOME)
    assert destination.replace("$DAGSTER_HOME", DAGSTER_HOME) == f"{DAGSTER_HOME}/dagster.yaml"
    assert "-c requirements.lock" in dockerfile


def test_env_example_documents_every_variable():
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    compose_vars = set(VARIABLE.findall(COMPOSE_FILE.read_text()))
    from orchestration.settings import ROLES

    settings_source = (ROOT / "orchestration" / "settings.py").read_text()
    settings_vars = set(re.findall(r"""env\.get\(\s*["']([A-Z][A-Z0-9_]+)["']""", settings_source))
    settings_vars |= {f"OLIST_{role.upper()}_PASSWORD" for role in ROLES}
    missing = (compose_vars | settings_vars) - documented
    assert not missing, f".env.example does not mention {sorted(missing)}"


# --- the real Compose CLI, when there is one --------------------------------------------------


def _compose_cli() -> list[str] | None:
    """``docker compose`` (v2 plugin) or a v2 ``docker-compose``; None when neither is installed."""
    candidates = []
    if shutil.which("docker"):
        candidates.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        candidates.append(["docker-compose"])
    for cli in candidates:
        try:
            result = subprocess.run(
                [*cli, "version", "--short"], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if result.returncode == 0 and not result.stdout.strip().lstrip("v").startswith("1."):
            return cli
    return None


def test_docker_compose_config_accepts_the_file(tmp_path):
    cli = _compose_cli()
    if cli is None:
        pytest.skip("the Docker Compose v2 CLI is not installed (docker compose config not run)")
    dummy = {
        name: "dummy-value-for-config-check"
        for name in set(VARIABLE.findall(COMPOSE_FILE.read_text()))
        if name.endswith("PASSWORD")
    }
    empty_env = tmp_path / "empty.env"  # keep a developer's .env out of the check
    empty_env.write_text("")
    result = subprocess.run(
        [*cli, "-f", str(COMPOSE_FILE), "--env-file", str(empty_env), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **dummy},
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
