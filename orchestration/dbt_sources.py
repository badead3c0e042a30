"""The dbt project's source files: everything in its folder but what dbt and the runs write
there. Imports only the standard library (the warm dbt's client imports it without
site-packages)."""

from __future__ import annotations

from pathlib import Path

# What dbt writes or downloads inside the project (.user.yml beside profiles.yml)
NOT_SOURCE = frozenset({"target", "logs", "dbt_packages", ".user.yml"})


def source_files(project_dir: Path) -> dict[Path, tuple[int, int]]:
    """Each source file of the project with its size and modification time (ns): a parse
    of the same files with the same stamps gives the same manifest."""
    found: dict[Path, tuple[int, int]] = {}
    for entry in project_dir.iterdir():  # not target/: big
        if entry.name in NOT_SOURCE:
            continue
        for path in [entry] if entry.is_file() else entry.rglob("*"):
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                found[path] = (stat.st_size, stat.st_mtime_ns)
    return found
