"""Transient database failures: tell them apart and retry them with backoff.

A nightly run should survive the warehouse restarting under it (connection refused, connection
terminated by a shutdown, the server still starting up). Those are retried with exponential
backoff; anything else (a broken model, a contract violation) fails the run at once, clearly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import dagster as dg
import psycopg

MAX_RETRIES = 4
FIRST_WAIT_SECONDS = 2.0

# SQLSTATEs of a server going away or not there yet (class 08 and admin/crash shutdown), and of
# a deadlock, which PostgreSQL resolves by cancelling one side: the retry then goes through
_TRANSIENT_STATES = {
    "08000",
    "08001",
    "08003",
    "08004",
    "08006",
    "57P01",
    "57P02",
    "57P03",
    "40P01",
}
# what dbt and libpq print for the same situations
_TRANSIENT_PHRASES = (
    "could not connect to server",
    "connection refused",
    "connection to server",
    "server closed the connection unexpectedly",
    "terminating connection due to administrator command",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "no such file or directory\n\tis the server running",
    "connection already closed",
    "deadlock detected",
)


def is_transient(error: BaseException) -> bool:
    """True for errors that a later attempt can be expected to get past."""
    for cause in _chain(error):
        if isinstance(cause, psycopg.OperationalError):
            state = getattr(cause, "sqlstate", None)
            if state is None or state in _TRANSIENT_STATES:
                return True
        text = str(cause).lower()
        if any(phrase in text for phrase in _TRANSIENT_PHRASES):
            return True
    return False


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


@contextlib.contextmanager
def retry_transient(context) -> Iterator[None]:
    """Turn a transient database failure into a Dagster retry with exponential backoff."""
    try:
        yield
    except dg.RetryRequested:
        raise
    except Exception as error:
        if not is_transient(error):
            raise
        wait = FIRST_WAIT_SECONDS * 2**context.retry_number
        context.log.warning(
            f"transient database failure (attempt {context.retry_number + 1} of "
            f"{MAX_RETRIES + 1}), retrying in {wait:.0f}s: {str(error).strip()[:300]}"
        )
        raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=wait) from error
