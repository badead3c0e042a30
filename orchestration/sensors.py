"""Sensors: start a run when a new extract lands."""

from __future__ import annotations

import hashlib

import dagster as dg

from orchestration.contracts import CONTRACTS
from orchestration.loader import source_files
from orchestration.schedules import build_everything
from orchestration.settings import get_settings


@dg.sensor(
    job=build_everything,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Watches the landing folder; when files arrive or change (new daily folder, re-delivered "
        "file), requests one build of everything. The loader then loads only what is new."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext):
    settings = get_settings()
    files = [path for contract in CONTRACTS for path in source_files(contract, settings)]
    if not files:
        return dg.SkipReason(f"no extracts in {settings.landing_dir}")
    fingerprint = hashlib.sha256()
    for path in sorted(files):
        stat = path.stat()
        fingerprint.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    digest = fingerprint.hexdigest()
    if context.cursor == digest:
        return dg.SkipReason("no new or changed extracts")
    context.update_cursor(digest)
    folders = sorted({path.parent.name for path in files})
    return dg.RunRequest(run_key=digest, tags={"olist/landing": ",".join(folders[-3:])})
