"""A warm dbt for ``python -m orchestration run``: dbt's start-up paid beside Dagster's.

Every dbt invocation is a new Python process that imports dbt before it does anything: 3.8 s
of the dbt step of a nightly run on the 2-core benchmark machine (``python -X importtime -c
"import dbt.cli.main"``), on the path of every run. ``python -m orchestration run`` calls
:func:`start` once it has imported Dagster and dagster-dbt: it forks a server, which imports
the rest of dbt on the second core while the command loads the definitions and the files,
parses the project once (:func:`_warm_up`: what dbt builds on first use, a child inherits),
then forks one child per dbt invocation. The child has dbt imported already and runs the dbt
CLI at once, with the invocation's arguments, environment, working folder and output.

The server's dbt also spares the per-node work that does not change what dbt does: its
loggers format only the events they write (:func:`_format_only_written_events`), an event
below every logger's level is not built at all (:func:`_build_only_events_a_logger_takes`), a thread
keeps its connection from one node to the next (:func:`_keep_connections_between_nodes`),
the adapter's column lookups share a context per thread
(:func:`_reuse_column_lookup_contexts`), compiled Jinja templates are kept from one run
to the next (:func:`_keep_compiled_templates`), agate's type testers are built once
(:func:`_build_type_testers_once`), manifest.json is written once, when the
command ends (:func:`_write_the_manifest_once`), and a build takes the manifest of the
warm-up's parse when nothing it was parsed from has changed
(:func:`_reuse_the_warm_up_manifest`). Each was measured on nightly runs; their
docstrings give the figures.

dagster-dbt starts the client (:func:`client`, a script of the standard library that
:func:`start` writes, run with ``python -I -S``) as its dbt executable. The client hands the
server its arguments, environment, working folder and standard output and error, relays
SIGINT and SIGTERM to the child and exits with the child's exit code, so dagster-dbt sees
what a dbt process would show. Without a server (the Dagster UI and daemon, the tests) the
resource runs dbt itself, and a client that cannot reach its server runs dbt itself.

Only the standard library is imported here at module level: the client imports this module
without site-packages.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any

from orchestration.dbt_sources import source_files

SOCKET_ENV = "OLIST_WARM_DBT_SOCKET"
CLIENT_ENV = "OLIST_WARM_DBT_CLIENT"
_HEADER = struct.Struct("!Q")
_server: int | None = None  # the server's PID
# in the server: the warm-up's parse, with the project's files as they were when it began
_warm_manifest: Any = None
_warm_files: dict[Path, tuple[int, int]] = {}
_warm_project: Path | None = None
# the commands that may take it: they write manifest.json themselves when they end
_REUSING_COMMANDS = frozenset({"build", "run", "test", "seed", "snapshot"})


def _real_dbt() -> str:
    return str(Path(sys.executable).with_name("dbt"))


def _receive_exactly(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError("the other side closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _send_message(conn: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    body = json.dumps(message).encode()
    if fds:
        socket.send_fds(conn, [_HEADER.pack(len(body))], fds)
    else:
        conn.sendall(_HEADER.pack(len(body)))
    conn.sendall(body)


def _receive_message(conn: socket.socket, max_fds: int = 0) -> tuple[dict, list[int]]:
    if max_fds:
        header, fds, _, _ = socket.recv_fds(conn, _HEADER.size, max_fds)
        if len(header) < _HEADER.size:
            header += _receive_exactly(conn, _HEADER.size - len(header))
    else:
        header, fds = _receive_exactly(conn, _HEADER.size), []
    (size,) = _HEADER.unpack(header)
    return json.loads(_receive_exactly(conn, size)), list(fds)


# -- the server ------------------------------------------------------------------------------


def _run_child(request: dict, out_fd: int, err_fd: int) -> int:
    """In the forked child: become the dbt process the client stands for."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.dup2(out_fd, 1)
    os.dup2(err_fd, 2)
    os.close(out_fd)
    os.close(err_fd)
    # line-buffered, as dagster-dbt asks of dbt (PYTHONUNBUFFERED): it streams dbt's JSON log
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["dbt", *request["args"]]
    from dbt.cli.main import cli

    write_deferred_manifest = _write_the_manifest_once()
    try:
        cli.main(args=request["args"], prog_name="dbt")
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001  (report it as dbt would, then fail)
        import traceback

        traceback.print_exc()
        code = 2
    write_deferred_manifest()
    # dbt's adapter makes its locks in a spawn context, which registers each with
    # multiprocessing's resource tracker (the command's, inherited through the forks). The
    # child leaves by os._exit, so the finalizers that unregister them run here (only this
    # process's: a finalizer inherited from the command is skipped by its PID); without them
    # the tracker warned of "leaked semaphore objects" at the end of every run.
    from multiprocessing import util

    util._run_finalizers(0)
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def _write_the_manifest_once() -> Callable[[], None]:
    """Make this child's dbt write manifest.json once, when its command ends, not twice.

    dbt writes the manifest when it has parsed the project, before the first node runs, and a
    build, run or test writes it again when the last node is done (now with each node's
    compiled SQL), over the first. The first write delayed the first node of a 1M nightly by
    0.24 s (1.4 MB of JSON); only a command that dies mid-way keeps it. Here the write after
    parsing is held back (the latest held-back manifest is kept), the write at the end of a
    build, run or test happens as before and drops it, and whatever is still held back when
    the command ends, however it ends, is written then: ``dbt parse``, ``dbt ls`` and a
    command that failed midway leave a manifest as before. Returns what the child calls when
    its command has ended.
    """
    from dbt.parser import manifest as parsing
    from dbt.task import runnable

    write = runnable.write_manifest  # dbt's own, bound when the task module was imported
    held: list[tuple[Any, ...]] = []

    def hold(*args: Any, **kwargs: Any) -> None:
        held[:] = [(args, kwargs)]

    def write_at_the_end(*args: Any, **kwargs: Any) -> None:
        held.clear()
        write(*args, **kwargs)

    def write_held() -> None:
        for args, kwargs in held:
            write(*args, **kwargs)
        held.clear()

    parsing.write_manifest = hold  # type: ignore[assignment]
    runnable.write_manifest = write_at_the_end  # type: ignore[assignment]
    return write_held


def _warm_up(project_dir: str, run_dir: Path) -> bool:
    """Parse the project once here, so that each child starts warm.

    dbt builds much of its machinery on first use, once per process: the (de)serialisers of
    its manifest classes (mashumaro compiles them lazily), the JSON schemas its project and
    profile are checked against, the Jinja environment. A child inherits whatever this server
    built before forking it. The parse is partial (from the project's last partial parse),
    writes into a folder of its own and logs nothing; if it fails, the child parses as before.
    Returns whether the parse succeeded.

    Measured on a nightly at a million orders: the child's start-up before its first node
    (dbt's "Running with dbt" to "Concurrency") went from 2.9-3.0 s to 1.05 s, time in which
    the other core had nothing to do; the server spends it while the command starts.
    """
    global _warm_manifest, _warm_files, _warm_project
    from dbt.cli.main import cli

    target = run_dir / "warm-up"
    target.mkdir()
    last = Path(project_dir) / "target" / "partial_parse.msgpack"
    if last.exists():
        shutil.copyfile(last, target / "partial_parse.msgpack")
    # without dbt's static parser: after it failed on a model here (it does on any model
    # with Jinja beyond refs and configs), its next use in a forked child hangs for good, and
    # a child parses again whenever a file changed since the project's last parse
    args = ["parse", "--quiet", "--log-level", "none", "--log-level-file", "none"]
    args += ["--no-static-parser"]
    args += ["--project-dir", project_dir, "--profiles-dir", project_dir]
    args += ["--target-path", str(target), "--log-path", str(target)]
    root = Path(project_dir).resolve()
    files = source_files(root)  # before the parse: a later edit shows
    try:
        returned = cli.main(args=args, prog_name="dbt", standalone_mode=False)
    except (Exception, SystemExit):  # noqa: BLE001  (a cold child is still a working child)
        returned = None
    finally:
        shutil.rmtree(target, ignore_errors=True)
        # the parse left two of dbt's locks registered with multiprocessing's resource
        # tracker, and the server never runs its exit handlers (it ends by SIGTERM or
        # os._exit): unregister them now, or the tracker reports them as leaked when the
        # command ends. The objects stay usable; a child makes its own.
        from multiprocessing import util

        util._run_finalizers(0)
    # dbt's commands return (result, success); a parse's result is the manifest
    parsed = isinstance(returned, tuple) and bool(returned[-1])
    if parsed:
        _warm_manifest, _warm_files, _warm_project = returned[0], files, root
    return parsed


def _warm_up_manifest_fits(config: Any) -> bool:
    """Whether the warm-up's manifest is the one dbt would parse for ``config`` (the
    invocation's runtime config) now: the same project, no file of it added, removed or
    changed since the warm-up began, and what dbt's partial parsing checks besides the
    files unchanged: the command-line vars, profile and target, the connection's fields and
    their values (host, database, schema, ...), dbt_project.yml and the environment variables
    it reads (the state check), and every environment variable the project's files read (the
    manifest records their values).
    """
    import types

    from dbt.constants import DEFAULT_ENV_PLACEHOLDER
    from dbt.flags import get_flags
    from dbt.parser.manifest import ManifestLoader

    manifest = _warm_manifest
    if manifest is None or not get_flags().PARTIAL_PARSE:
        return False
    if Path(config.project_root).resolve() != _warm_project:
        return False
    if source_files(_warm_project) != _warm_files:
        return False
    loader = types.SimpleNamespace(root_project=config, all_projects=config.load_dependencies())
    now, then = ManifestLoader.build_manifest_state_check(loader), manifest.state_check
    # the fields dbt compares (an empty hash, like the unused profile_env_vars_hash, never
    # equals another)
    for field in ("vars_hash", "profile_hash", "project_env_vars_hash", "project_hashes"):
        if getattr(now, field) != getattr(then, field):
            return False
    for name, parsed_with in manifest.env_vars.items():
        value = os.environ.get(name)
        if (parsed_with != DEFAULT_ENV_PLACEHOLDER) if value is None else (value != parsed_with):
            return False
    return True


def _reuse_the_warm_up_manifest() -> None:
    """Give a child's build the manifest the warm-up parsed, when it fits (above).

    Otherwise the child loads the project's partial parse again, hashes every file of it to
    find none changed and rebuilds the graph the server already holds: 0.41 s from dbt's
    "Running with dbt" to its first node in a 1M nightly, on the path of every run, while
    the dbt step waits. dbt takes a manifest already on the command's context as given (its
    programmatic runner's path); the child gets a fresh copy of the server's by forking. Any
    doubt, or any error in the checks, and the child parses as before.
    """
    from dbt.cli import requires

    setup = requires.setup_manifest

    def setup_reusing(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        if ctx.obj.get("manifest") is None and ctx.command.name in _REUSING_COMMANDS:
            config = ctx.obj.get("runtime_config")
            try:
                fits = config is not None and _warm_up_manifest_fits(config)
            except Exception:  # noqa: BLE001  (a check that fails is a manifest not taken)
                fits = False
            if fits:
                _warm_manifest.metadata = config.get_metadata()  # this invocation's id
                ctx.obj["manifest"] = _warm_manifest
        return setup(ctx, *args, **kwargs)

    requires.setup_manifest = setup_reusing  # type: ignore[assignment]


def _logger_writes(logger: Any, event_name: str, level: Any) -> bool:
    """Whether one of dbt's loggers writes an event of this name and level: the test its Python
    logger applies (print events go out at error level whatever their own, as
    ``_Logger.write_line`` sends them)."""
    from dbt_common.events import logger as events

    python_logger = logger._python_logger
    if python_logger is None:
        return False
    if event_name in events.PRINT_EVENT_NAMES:
        return python_logger.isEnabledFor(40)
    return python_logger.isEnabledFor(events._log_level_map[events.EventLevel(level)])


def _format_only_written_events() -> None:
    """Make dbt's loggers skip the events their level drops before formatting them.

    dbt formats every event for every logger (a JSON line for standard output, another for
    dbt.log: the event as a dict, json.dumps, a scan of the environment for secrets) and only
    then hands the line to a Python logger, whose level drops it. Nine in ten of a build's
    events are debug events (each SQL statement, each connection's use), which neither
    logger keeps at info level: their formatting was a fifth of the dbt process's samples
    in a nightly. Here a logger writes (and so formats) an event only if its level keeps it,
    the test its Python logger applied after formatting, so every line written is the same.
    """
    from dbt_common.events import logger as events

    write_line = events._Logger.write_line
    if getattr(write_line, "skips_dropped_events", False):
        return

    def write_kept_line(self: events._Logger, msg: events.EventMsg) -> None:
        if _logger_writes(self, msg.info.name, msg.info.level):
            write_line(self, msg)

    write_kept_line.skips_dropped_events = True  # type: ignore[attr-defined]
    events._Logger.write_line = write_kept_line  # type: ignore[method-assign]


def _build_only_events_a_logger_takes() -> None:
    """Make dbt build an event's message only when a logger or a callback will take it.

    Every event dbt fires is built twice before anyone looks at its level: its fields into a
    protobuf message when the event is constructed (``ParseDict`` of its keyword arguments),
    then a second message with its text, time and thread around a copy of the first
    (``msg_from_base_event``), and only then does each logger drop it by level. Most events
    are debug events (each statement, each connection's use) that no logger keeps at info.
    Here an event keeps its keyword arguments and builds its message on first use, and the
    event manager returns at once for an event below every logger's level when no callback
    takes it and it is no warning to handle; anything else goes the usual way. (dbt registers
    a callback in every invocation that takes behaviour-change warnings only.) In a 1M nightly
    the two builds were 146 of the dbt process's py-spy samples (a ``ParseDict`` each), 82 of
    them in ``msg_from_base_event``.
    """
    from dbt_common.events import base_types
    from dbt_common.events.event_manager import EventManager

    event_class = base_types.BaseEvent
    if getattr(event_class.__init__, "builds_lazily", False):
        return
    build_now = event_class.__init__

    def keep_arguments(self: base_types.BaseEvent, *args: Any, **kwargs: Any) -> None:
        if args:  # positional arguments (Formatting's message, or an error) the usual way
            build_now(self, *args, **kwargs)
        else:
            object.__setattr__(self, "_arguments", kwargs)

    def get(self: base_types.BaseEvent, key: str) -> Any:
        arguments = self.__dict__.pop("_arguments", None)
        if arguments is not None:
            build_now(self, **arguments)  # sets pb_msg (or the empty message of dbt's fallback)
        message = object.__getattribute__(self, "pb_msg")
        return message if key == "pb_msg" else message.__getattribute__(key)

    def set(self: base_types.BaseEvent, key: str, value: Any) -> None:
        if key == "pb_msg":
            self.__dict__.pop("_arguments", None)
            object.__setattr__(self, key, value)
        else:
            get(self, "pb_msg").__setattr__(key, value)

    keep_arguments.builds_lazily = True  # type: ignore[attr-defined]
    event_class.__init__ = keep_arguments  # type: ignore[method-assign]
    event_class.__getattr__ = get  # type: ignore[method-assign]
    event_class.__setattr__ = set  # type: ignore[method-assign]

    from dbt.tracking import track_behavior_change_warn

    # callbacks that take one kind of event only: dbt registers this one in every invocation
    # (anonymous usage statistics of behaviour-change warnings)
    takes_only = {track_behavior_change_warn: "BehaviorChangeEvent"}
    fire = EventManager.fire_event
    handled = (base_types.EventLevel.WARN, base_types.EventLevel.ERROR)  # warn_error and the like

    def fire_if_taken(
        self: EventManager,
        e: base_types.BaseEvent,
        level: base_types.EventLevel | None = None,
        node: Any = None,
        force_warn_or_error_handling: bool = False,
    ) -> None:
        name = type(e).__name__
        if not force_warn_or_error_handling and all(
            takes_only.get(callback, name) != name for callback in self.callbacks
        ):
            event_level = base_types.EventLevel(level or e.level_tag())
            if event_level not in handled and not any(
                _logger_writes(logger, name, event_level) for logger in self.loggers
            ):
                return
        fire(self, e, level, node, force_warn_or_error_handling)

    EventManager.fire_event = fire_if_taken  # type: ignore[method-assign]


def _keep_connections_between_nodes() -> None:
    """Let each of dbt's threads keep its PostgreSQL connection from one node to the next.

    dbt closes a thread's connection after every node, so each of a build's 150 nodes opened
    a new one: a server process forked, authenticated and started with cold catalog caches,
    which the node's first catalog queries filled again (5 ms to connect, and 10 to 20 ms
    more for the first column lookup than for the next one on the same connection). dbt
    already renames and reuses a thread's open connection for its next node; here releasing
    it ends its transaction (rolled back, as closing did) and drops its temporary tables (an
    incremental model's delta; closing dropped them), and keeps it open. A connection that
    is broken, or of another adapter, is closed as before; dbt closes them all at its end.
    """
    from dbt.adapters.base.connections import BaseConnectionManager
    from dbt.adapters.contracts.connection import ConnectionState

    release = BaseConnectionManager.release
    if getattr(release, "keeps_connections", False):
        return

    def release_open(self: BaseConnectionManager) -> None:
        connection = self.get_if_exists()
        handle = connection and connection.handle
        if (
            self.TYPE != "postgres"
            or connection is None
            or connection.state != ConnectionState.OPEN
            or getattr(handle, "closed", 1)  # psycopg2: nonzero once closed or broken
        ):
            release(self)
            return
        try:
            handle.rollback()
            connection.transaction_open = False
            autocommit, handle.autocommit = handle.autocommit, True
            with handle.cursor() as cursor:
                cursor.execute("discard temp")
            handle.autocommit = autocommit
        except Exception:
            # as release does with a connection it cannot close: forget it, then say why
            self.clear_thread_connection()
            with contextlib.suppress(Exception):
                handle.close()
            raise

    release_open.keeps_connections = True  # type: ignore[attr-defined]
    BaseConnectionManager.release = release_open  # type: ignore[method-assign]


# macros dbt's adapter runs from Python again and again, each on a context built anew
_REUSED_CONTEXTS = {"get_columns_in_relation"}


def _reuse_column_lookup_contexts() -> None:
    """Build the context of the adapter's column lookup once per thread, not once per call.

    dbt's adapter looks a relation's columns up by running the ``get_columns_in_relation``
    macro, and builds the macro a new context for every call: a namespace of the project's
    500-odd macros, each wrapped for it. An incremental model looks columns up five or six
    times (the schema-change check, the column-type expansion, the merge, the column
    comments), some 220 times a nightly, and building those contexts was a tenth of the dbt
    process's samples. The macro only reads the catalog, and a thread runs one call at a
    time: here each thread builds the context once and runs every later lookup on it (the
    statement result it stores is replaced by the next lookup's, as on a new context).
    Every other macro gets a new context as before.
    """
    import threading

    from dbt.adapters.base.impl import BaseAdapter

    set_generator = BaseAdapter.set_macro_context_generator
    if getattr(set_generator, "reuses_contexts", False):
        return

    def set_reusing_generator(self: BaseAdapter, generator: Any) -> None:
        local = threading.local()

        def generate(macro: Any, config: Any, resolver: Any, package_name: Any) -> Any:
            if macro.name not in _REUSED_CONTEXTS:
                return generator(macro, config, resolver, package_name)
            kept = local.__dict__.setdefault("contexts", {})
            key = (macro.unique_id, package_name)
            found = kept.get(key)
            if found is None or found[0] is not config or found[1] is not resolver:
                found = kept[key] = (
                    config,
                    resolver,
                    generator(macro, config, resolver, package_name),
                )
            return found[2]

        set_generator(self, generate)

    set_reusing_generator.reuses_contexts = True  # type: ignore[attr-defined]
    BaseAdapter.set_macro_context_generator = set_reusing_generator  # type: ignore[method-assign]


def _build_type_testers_once() -> None:
    """Build each of agate's type testers once, not once per query result.

    dbt turns every fetched result (a column lookup, a test's failure count, a model's
    ``run_query``) into an agate table, and builds it a new type tester each time, keyed only
    by which columns hold text: seven data types, two of which set up a ``parsedatetime``
    calendar with its locale tables: 0.8 ms a tester on the benchmark machine, 665 times in
    a nightly at a million orders (all but eight for three sets of text columns). A tester
    holds no state between tables (dbt shares its default one between threads already), so
    here each distinct set of text columns gets one, kept.
    """
    import threading

    from dbt_common.clients import agate_helper

    build = agate_helper.build_type_tester
    if getattr(build, "keeps_testers", False):
        return
    kept: dict[tuple[frozenset[str], tuple[str, ...] | None], Any] = {}
    lock = threading.Lock()

    def build_once(text_columns: Any, string_null_values: Any = ("null", "")) -> Any:
        key = (
            frozenset(text_columns),
            None if string_null_values is None else tuple(string_null_values),
        )
        with lock:
            tester = kept.get(key)
            if tester is None:
                tester = kept[key] = build(text_columns, string_null_values=string_null_values)
        return tester

    build_once.keeps_testers = True  # type: ignore[attr-defined]
    agate_helper.build_type_tester = build_once


def _keep_compiled_templates(folder: Path) -> None:
    """Keep the Python code dbt's Jinja compiles each template into, from one run to the next.

    dbt compiles every template it renders from its text (each model's and test's SQL, each
    macro it calls), in every process, and Jinja's bytecode cache, which spares that, is
    used only for templates read through a loader, never for dbt's. Compiling was an eighth
    of the dbt process's samples in a nightly, the same templates every night. Here each
    compiled template is kept in ``folder`` with Jinja's own cache files, under a key of the
    template's text and everything else its code depends on (the environment's class and
    extensions, dbt's version; Jinja's and Python's are in the file's header): a template
    whose text changed is compiled again, as is one whose file cannot be read or written.
    ``dbt clean`` removes the folder with the rest of target/.
    """
    import hashlib

    import jinja2
    from dbt.version import __version__ as dbt_version
    from dbt_common.clients import jinja as dbt_jinja
    from jinja2.bccache import FileSystemBytecodeCache

    compile_ = jinja2.Environment.compile
    if getattr(compile_, "keeps_code", False):
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    cache = FileSystemBytecodeCache(str(folder), "%s.jinja")
    # dbt renders many short templates (config values, test arguments) again and again in a
    # process: their code is kept in memory too (a code object never changes)
    kept: dict[str, CodeType] = {}

    def compile_kept(  # type: ignore[no-untyped-def]
        self, source, name=None, filename=None, raw=False, defer_init=False
    ):
        # Python source asked for, a parsed tree, or dbt's macro debugging (which registers
        # each template's Python source with linecache as it compiles it)
        if raw or not isinstance(source, str) or dbt_jinja.MACRO_DEBUGGING:
            return compile_(self, source, name, filename, raw, defer_init)
        environment = type(self)
        key = hashlib.sha256(
            "\0".join(
                [
                    dbt_version,
                    f"{environment.__module__}.{environment.__qualname__}",
                    *sorted(self.extensions),
                    str(defer_init),
                    str(name),
                    str(filename),
                    source,
                ]
            ).encode()
        ).hexdigest()
        code = kept.get(key)
        if code is not None:
            return code
        try:
            bucket = cache.get_bucket(self, key, None, source)
        except Exception:  # noqa: BLE001  (a damaged or unreadable file: compile instead)
            bucket = None
        if bucket is not None and bucket.code is not None:
            kept[key] = bucket.code
            return bucket.code
        code = kept[key] = compile_(self, source, name, filename, raw, defer_init)
        if bucket is not None:
            bucket.code = code
            with contextlib.suppress(OSError):
                cache.set_bucket(bucket)
        return code

    compile_kept.keeps_code = True  # type: ignore[attr-defined]
    jinja2.Environment.compile = compile_kept  # type: ignore[method-assign]


def serve(path: str, parent: int, project_dir: str | None = None) -> None:
    """Import dbt (and warm it up on ``project_dir``), then run each invocation asked for on
    ``path`` in a forked child, one at a time (the dbt step of a run invokes dbt once; another
    client waits its turn). Ends when the command that started it is gone."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(8)  # clients queue here until dbt is imported
    import dbt.adapters.postgres  # noqa: F401
    import dbt.cli.main  # noqa: F401
    import dbt.task.build  # noqa: F401

    _format_only_written_events()
    _build_only_events_a_logger_takes()
    _keep_connections_between_nodes()
    _reuse_column_lookup_contexts()
    _build_type_testers_once()
    if project_dir:
        _keep_compiled_templates(Path(project_dir) / "target" / "jinja-bytecode")
        if _warm_up(project_dir, Path(path).parent):
            _reuse_the_warm_up_manifest()
    try:
        _serve(listener, parent)
    finally:
        listener.close()
        shutil.rmtree(Path(path).parent, ignore_errors=True)


def _serve(listener: socket.socket, parent: int) -> None:
    listener.settimeout(1.0)
    while os.getppid() == parent:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        conn.settimeout(None)
        with conn:
            try:
                request, fds = _receive_message(conn, max_fds=2)
            except (ConnectionError, ValueError, OSError):
                continue
            if len(fds) != 2:
                for fd in fds:
                    os.close(fd)
                continue
            child = os.fork()
            if child == 0:
                listener.close()
                code = 1
                try:
                    code = _run_child(request, *fds)
                finally:
                    os._exit(code)
            for fd in fds:
                os.close(fd)
            with contextlib.suppress(OSError):
                _send_message(conn, {"pid": child})
            _, status = os.waitpid(child, 0)
            with contextlib.suppress(OSError):
                _send_message(conn, {"exit_code": os.waitstatus_to_exitcode(status)})


# -- the client ------------------------------------------------------------------------------


def client(args: list[str]) -> int:
    """Run dbt ``args`` in the server's child, or, when there is no server, as dbt itself."""
    path = os.environ.get(SOCKET_ENV)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        if not path:
            raise ConnectionError("no warm dbt server")
        conn.connect(path)
        request = {"args": args, "env": dict(os.environ), "cwd": os.getcwd()}
        _send_message(conn, request, fds=[1, 2])
        started, _ = _receive_message(conn)
    except (ConnectionError, FileNotFoundError, OSError):
        conn.close()
        os.execv(_real_dbt(), ["dbt", *args])
    child = int(started["pid"])

    def relay(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    signal.signal(signal.SIGINT, relay)
    signal.signal(signal.SIGTERM, relay)
    try:
        finished, _ = _receive_message(conn)
    except (ConnectionError, OSError):
        return 1  # the server died with the child: no exit code to report
    return int(finished["exit_code"])


# -- the command's side ----------------------------------------------------------------------


def start(project_dir: Path | None = None) -> None:
    """Fork the server and point the dbt resource at the client (through the environment,
    before the definitions are imported).

    The server is forked from the command, not started as a new interpreter: the command has
    Dagster and dagster-dbt imported by then, and dagster-dbt imports dbt's adapter and
    result types, so the server has a third of dbt to import instead of all of it (1.8 s
    against 4.6 s, while the command loads the files beside it)."""
    global _server
    if _server is not None:
        return
    # a short folder of its own: a socket's path may not pass 107 bytes
    run_dir = Path(tempfile.mkdtemp(prefix="olist-dbt-"))
    path = run_dir / "server.sock"
    script = run_dir / "dbt"
    root = Path(__file__).resolve().parents[1]
    script.write_text(
        f"#!{sys.executable} -IS\n"
        "import sys\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        "from orchestration.warm_dbt import client\n"
        "sys.exit(client(sys.argv[1:]))\n"
    )
    script.chmod(0o755)
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    # SIGTERM and SIGINT wait until the child has its own handlers: one arriving in between
    # would run the command's handler there (Dagster's, pytest's) and leave the server alive
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    try:
        pid = os.fork()
        if pid == 0:
            _forked_server(str(path), parent, mask, project_dir and str(project_dir))
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    _server = pid
    os.environ[SOCKET_ENV] = str(path)
    os.environ[CLIENT_ENV] = str(script)
    atexit.register(stop)


def _forked_server(
    path: str, parent: int, mask: set[signal.Signals], project_dir: str | None
) -> None:
    """The forked server: serve, then leave without running the command's exit handlers (it
    shares the command's open files, as a multiprocessing child does, and closes none of
    them: multiprocessing's resource tracker, which dbt's locks register with, is one)."""
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        serve(path, parent, project_dir)
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001  (say why the server ended, then end it)
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        os._exit(code)


def stop() -> None:
    """Stop the server this process started (by its PID) and forget it."""
    global _server
    if _server is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(_server, signal.SIGTERM)
    deadline = time.monotonic() + 10
    with contextlib.suppress(ChildProcessError):
        while not os.waitpid(_server, os.WNOHANG)[0]:
            if time.monotonic() > deadline:
                os.kill(_server, signal.SIGKILL)
                os.waitpid(_server, 0)
                break
            time.sleep(0.05)
    path = os.environ.pop(SOCKET_ENV, None)
    os.environ.pop(CLIENT_ENV, None)
    if path:
        shutil.rmtree(Path(path).parent, ignore_errors=True)
    _server = None
