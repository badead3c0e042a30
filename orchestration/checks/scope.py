"""The rows a check looks at: those of batches above a watermark, or all of them.

Free of Dagster, so that the Great Expectations worker process (``gx_process.py``) can receive
a scope without importing Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import sql


@dataclass(frozen=True)
class Scope:
    """The rows a check looks at: those of batches above ``after``, or all (``after`` None)."""

    after: int | None = None
    reason: str = "all batches"

    @property
    def whole(self) -> bool:
        return self.after is None

    @property
    def label(self) -> str:
        return f"whole table ({self.reason})" if self.whole else f"batches > {self.after}"

    def condition(
        self, column: str, alias: str | None = None, through: int | None = None
    ) -> sql.Composable:
        """SQL that is true for a row in scope (``column`` is the batch column), up to batch
        ``through`` when given."""
        if self.whole:
            return sql.SQL("true")
        name = sql.Identifier(alias, column) if alias else sql.Identifier(column)
        if through is None:
            return sql.SQL("{} > {}").format(name, sql.Literal(self.after))
        return sql.SQL("{name} > {after} and {name} <= {through}").format(
            name=name, after=sql.Literal(self.after), through=sql.Literal(through)
        )

    def metadata(self, checked_rows: int | None, through: int | None) -> dict[str, Any]:
        """What the check looked at, for its result in the Dagster UI and ops.check_results."""
        meta: dict[str, Any] = {"scope": self.label}
        if checked_rows is not None:
            meta["checked_rows"] = int(checked_rows)
        if through is not None:
            meta["checked_through_batch"] = int(through)
        return meta


WHOLE = Scope()
