"""The warm dbt of `python -m orchestration run` (orchestration/warm_dbt.py): its client behaves
as the dbt executable does, in output and exit code, with or without the server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration import warm_dbt


@pytest.fixture
def server():
    warm_dbt.start()
    try:
        yield os.environ[warm_dbt.CLIENT_ENV]
    finally:
        warm_dbt.stop()


ROOT = Path(__file__).resolve().parents[2]


def run(client: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [client, *args], capture_output=True, text=True, env=env or dict(os.environ), timeout=120
    )


def python(script: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``script`` in a new interpreter from the repository (dbt keeps global state)."""
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


def probe_project(folder: Path, host: str = "localhost") -> None:
    """A dbt project and profile of nothing, on a server that is never reached."""
    (folder / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0'\nconfig-version: 2\nprofile: probe\n"
    )
    (folder / "profiles.yml").write_text(
        "probe:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
        f"      host: {host}\n      user: nobody\n      password: ''\n"
        "      port: 1\n      dbname: nothing\n      schema: probe\n"
    )


def test_the_client_runs_dbt_in_the_servers_child_with_its_output_and_exit_code(server):
    done = run(server, "--help")
    assert done.returncode == 0, done.stderr
    assert "Usage: dbt" in done.stdout and "build" in done.stdout

    failed = run(server, "no-such-command")
    assert failed.returncode == 2
    assert "No such command 'no-such-command'" in failed.stdout + failed.stderr


def test_the_child_gets_the_clients_environment_and_folder(server, tmp_path):
    # dbt parses the project in the client's folder with the client's variables: a profile
    # that needs a variable the server never had must find it
    probe_project(tmp_path, host="\"{{ env_var('PROBE_HOST') }}\"")
    env = {**os.environ, "PROBE_HOST": "probe-host-from-the-client"}
    done = subprocess.run(
        [server, "debug", "--config-dir", "--profiles-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(tmp_path) in done.stdout


def test_without_a_server_the_client_runs_dbt_itself(tmp_path):
    warm_dbt.start()
    client = os.environ[warm_dbt.CLIENT_ENV]
    script = tmp_path / "dbt-client"
    script.write_text(Path(client).read_text())
    script.chmod(0o755)
    warm_dbt.stop()
    env = {k: v for k, v in os.environ.items() if k != warm_dbt.SOCKET_ENV}
    done = run(str(script), "--help", env=env)
    assert done.returncode == 0, done.stderr
    assert "Usage: dbt" in done.stdout
    env[warm_dbt.SOCKET_ENV] = str(tmp_path / "gone.sock")
    assert run(str(script), "--help", env=env).returncode == 0


def test_the_server_ends_with_the_command_that_started_it():
    starter = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; from orchestration import warm_dbt; warm_dbt.start(); "
            "print(warm_dbt._server, flush=True); os._exit(0)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    pid = int(starter.stdout.split()[0])

    def alive() -> bool:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended
        except FileNotFoundError:
            return False

    for _ in range(100):
        if not alive():
            break
        subprocess.run(["sleep", "0.2"])
    else:
        os.kill(pid, 9)
        pytest.fail("the warm dbt server outlived the command that started it")


def test_the_server_ends_on_sigterm_sent_as_soon_as_it_is_forked():
    # the command may have a SIGTERM handler of its own (Dagster and pytest install some); one
    # that does nothing must not keep a server alive that was told to stop right away
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        for _ in range(5):
            warm_dbt.start()
            pid = warm_dbt._server
            os.kill(pid, signal.SIGTERM)
            for _ in range(200):
                ended, status = os.waitpid(pid, os.WNOHANG)
                if ended:
                    break
                time.sleep(0.05)
            else:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail("the warm dbt server outlived a SIGTERM sent as it was forked")
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM
            warm_dbt.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_run_through_the_server_leaves_no_lock_behind(tmp_path):
    """dbt's adapter registers its locks with multiprocessing's resource tracker; the server
    (after its warm-up) and the child unregister theirs, so the command's end prints no
    warning of leaked semaphores (it did at the end of every `python -m orchestration run`)."""
    probe_project(tmp_path)
    script = """if True:
        import os, subprocess, sys
        from pathlib import Path
        from orchestration import warm_dbt
        warm_dbt.start(Path(sys.argv[1]))  # warms up on the probe project
        client = os.environ[warm_dbt.CLIENT_ENV]
        done = subprocess.run([client, "parse", "--profiles-dir", sys.argv[1]], cwd=sys.argv[1])
        warm_dbt.stop()
        sys.exit(done.returncode)
    """
    done = python(script, str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "target" / "manifest.json").exists()
    assert "leaked semaphore" not in done.stderr


def test_the_warm_up_parses_the_project_quietly_and_leaves_it_untouched(tmp_path):
    """The server parses the project once before forking children (so each inherits dbt's
    machinery built): the parse succeeds, prints nothing and writes only into its own folder,
    not into the project's target (a build reads the partial parse and manifest there)."""
    target = ROOT / "dbt_project" / "target"
    # importing the project prepares its manifest first, as the command does
    script = """if True:
        import sys
        from pathlib import Path
        from orchestration.project import dbt_project
        from orchestration import warm_dbt
        import dbt.cli.main

        def stamps():
            files = dbt_project.project_dir.joinpath("target").glob("*")
            return {p.name: p.stat().st_mtime_ns for p in files if p.is_file()}

        before = stamps()
        ok = warm_dbt._warm_up(str(dbt_project.project_dir), Path(sys.argv[1]))
        sys.stderr.write(f"warm-up {ok} untouched {before == stamps()}")
    """
    done = python(script, str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr.endswith("warm-up True untouched True"), done.stderr
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # its own folder is removed
    assert (target / "partial_parse.msgpack").exists()


def test_a_server_whose_warm_up_fails_still_runs_dbt(tmp_path):
    """A project the warm-up cannot parse leaves a cold server, not a broken one."""
    warm_dbt.start(tmp_path / "no-such-project")
    try:
        done = run(os.environ[warm_dbt.CLIENT_ENV], "--help")
    finally:
        warm_dbt.stop()
    assert done.returncode == 0, done.stderr
    assert "Usage: dbt" in done.stdout


def test_a_child_parses_a_project_the_warm_up_parsed_without_hanging(tmp_path):
    """A child parses again whenever a file changed since the project's last parse (edited
    while a run starts, say). dbt's static parser, once it failed on a model in the server,
    hangs for good on that model in a forked child: the warm-up must not use it. Run in a
    session of its own, so that a hang ends in a failure, not in a stuck suite."""
    probe_project(tmp_path)
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "base.sql").write_text("select 1 as one\n")
    # a model the static parser fails on, and then hangs on in a forked child
    (tmp_path / "models" / "jinja.sql").write_text(
        "select {{ var('one', 1) }} as one from {{ ref('base') }}\n"
    )
    script = """if True:
        import os, subprocess, sys
        from pathlib import Path
        from orchestration import warm_dbt

        project = Path(sys.argv[1])
        warm_dbt.start(project)
        try:
            done = subprocess.run([
                os.environ[warm_dbt.CLIENT_ENV], "parse", "--project-dir", str(project),
                "--profiles-dir", str(project), "--target-path", str(project / "target"),
            ])
        finally:
            warm_dbt.stop()
        sys.exit(done.returncode)
    """
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("the child's parse hung")
    assert process.returncode == 0, output
    assert (tmp_path / "target" / "manifest.json").exists()


def test_the_servers_dbt_formats_only_the_events_a_logger_writes():
    """The server's dbt skips the events a logger's level drops before formatting them (dbt
    formatted every event for every logger, then dropped most by level): each logger writes
    the same lines as before, and an info logger no longer formats a debug event."""
    script = """if True:
        import io, json
        from dbt.adapters.events.types import SQLQuery
        from dbt.events.types import MainReportVersion
        from dbt_common.events.base_types import EventLevel
        from dbt_common.events.event_manager import EventManager
        from dbt_common.events.logger import LineFormat, LoggerConfig, _JsonLogger
        from dbt_common.events.types import PrintEvent
        from orchestration import warm_dbt

        def log():
            formatted, create_line = [], _JsonLogger.create_line

            def counted(self, msg):
                formatted.append([self.name, msg.info.name])
                return create_line(self, msg)

            _JsonLogger.create_line = counted
            manager, streams = EventManager(), {}
            for level in (EventLevel.DEBUG, EventLevel.INFO, EventLevel.ERROR):  # error: --quiet
                streams[level.value] = io.StringIO()
                manager.add_logger(LoggerConfig(
                    name=level.value, line_format=LineFormat.Json, level=level,
                    output_stream=streams[level.value],
                ))
            manager.fire_event(SQLQuery(conn_name="probe", sql="select 1", node_info={}))
            manager.fire_event(MainReportVersion(version="1.11", log_version=3))
            manager.fire_event(PrintEvent(msg="printed whatever the level"))
            _JsonLogger.create_line = create_line
            written = {
                name: [json.loads(line)["info"]["name"] for line in stream.getvalue().splitlines()]
                for name, stream in streams.items()
            }
            return {"written": written, "formatted": formatted}

        before = log()
        warm_dbt._format_only_written_events()
        print(json.dumps({"before": before, "after": log()}))
    """
    done = python(script)
    assert done.returncode == 0, done.stdout + done.stderr
    outcome = json.loads(done.stdout)
    written = {
        "debug": ["SQLQuery", "MainReportVersion", "PrintEvent"],
        "info": ["MainReportVersion", "PrintEvent"],
        "error": ["PrintEvent"],
    }
    assert outcome["before"]["written"] == outcome["after"]["written"] == written
    # before, every logger formatted every event; now each formats only what it writes
    assert len(outcome["before"]["formatted"]) == 9
    assert sorted(outcome["after"]["formatted"]) == sorted(
        [name, event] for name, events in written.items() for event in events
    )


def test_the_servers_dbt_builds_only_the_events_a_logger_takes():
    """The server's dbt builds an event's messages only when a logger will write it (dbt built
    two protobuf messages for every event, then dropped most by level): the lines written are
    the same, an event nobody takes costs no message, and an event still answers for its
    fields when read."""
    script = """if True:
        import io, json
        from dbt.adapters.events.types import SQLQuery
        from dbt.events.types import MainReportVersion
        from dbt.tracking import track_behavior_change_warn
        from dbt_common.events import base_types
        from dbt_common.events.base_types import EventLevel
        from dbt_common.events.event_manager import EventManager
        from dbt_common.events.logger import LineFormat, LoggerConfig
        from dbt_common.events.types import PrintEvent
        from orchestration import warm_dbt

        parsed, parse = [], base_types.ParseDict

        def counted(values, message, *args, **kwargs):
            parsed.append(type(message).__name__)
            return parse(values, message, *args, **kwargs)

        base_types.ParseDict = counted

        def log(levels):
            manager, streams = EventManager(), {}
            for level in levels:
                streams[level.value] = io.StringIO()
                manager.add_logger(LoggerConfig(
                    name=level.value, line_format=LineFormat.Json, level=level,
                    output_stream=streams[level.value],
                ))
            manager.add_callback(track_behavior_change_warn)  # as dbt does in every invocation
            parsed.clear()
            manager.fire_event(SQLQuery(conn_name="probe", sql="select 1", node_info={}))
            manager.fire_event(MainReportVersion(version="1.11", log_version=3))
            manager.fire_event(PrintEvent(msg="printed whatever the level"))
            written = {
                name: [
                    (entry["info"]["name"], entry["data"])
                    for entry in map(json.loads, stream.getvalue().splitlines())
                ]
                for name, stream in streams.items()
            }
            return {"written": written, "parsed": sorted(parsed)}

        every = (EventLevel.DEBUG, EventLevel.INFO, EventLevel.ERROR)
        before = {"every": log(every), "info": log([EventLevel.INFO])}
        warm_dbt._build_only_events_a_logger_takes()
        after = {"every": log(every), "info": log([EventLevel.INFO])}
        event = SQLQuery(conn_name="probe", sql="select 2", node_info={})
        untouched = "_arguments" in event.__dict__
        event.sql = "select 3"
        print(json.dumps({
            "before": before, "after": after,
            "read": [untouched, event.conn_name, event.sql, "_arguments" in event.__dict__],
        }))
    """
    done = python(script)
    assert done.returncode == 0, done.stdout + done.stderr
    outcome = json.loads(done.stdout)
    before, after = outcome["before"], outcome["after"]
    assert before["every"]["written"] == after["every"]["written"]
    assert before["info"]["written"] == after["info"]["written"]
    assert [name for name, _ in after["info"]["written"]["info"]] == [
        "MainReportVersion",
        "PrintEvent",
    ]
    # before: each event parsed twice (its fields, then the message around them) for an info
    # logger too; after: the debug event nobody takes is never parsed
    assert len(before["info"]["parsed"]) == 6
    assert after["info"]["parsed"] == sorted(
        ["MainReportVersion", "MainReportVersionMsg", "PrintEvent", "PrintEventMsg"]
    )
    assert len(after["every"]["parsed"]) == 6
    assert outcome["read"] == [True, "probe", "select 3", False]


PROBE_SCHEMA = "probe_warm_dbt"


@pytest.fixture
def warehouse_probe(tmp_path, empty_warehouse, admin):
    """A dbt project of one thread on the test warehouse, as dbt's role, in a schema of its
    own (dropped after); the test writes its models into ``models/``."""
    params = empty_warehouse.connection_params("transformer")
    (tmp_path / "dbt_project.yml").write_text(
        "name: probe\nversion: '1.0'\nconfig-version: 2\nprofile: probe\n"
    )
    (tmp_path / "profiles.yml").write_text(
        "probe:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
        f"      host: '{params['host']}'\n      port: {params['port']}\n"
        f"      user: '{params['user']}'\n      password: '{params['password']}'\n"
        f"      dbname: '{params['dbname']}'\n      schema: {PROBE_SCHEMA}\n      threads: 1\n"
    )
    (tmp_path / "models").mkdir()
    admin.execute(f"drop schema if exists {PROBE_SCHEMA} cascade")
    admin.execute(f"create schema {PROBE_SCHEMA} authorization {params['user']}")
    try:
        yield tmp_path
    finally:
        admin.execute(f"drop schema if exists {PROBE_SCHEMA} cascade")


def test_the_servers_dbt_keeps_a_threads_connection_from_node_to_node(
    server, warehouse_probe, admin
):
    """dbt closed a thread's connection after each node (a new server process and cold
    catalog caches for every node); the server's dbt keeps it open for the thread's next
    node, and the node's temporary tables still end with it."""
    models = warehouse_probe / "models"
    (models / "first.sql").write_text(
        "{{ config(materialized='table',"
        " pre_hook='create temporary table probe_scratch as select 1 as one') }}\n"
        "select pg_backend_pid() as pid\n"
    )
    (models / "second.sql").write_text(
        "{{ config(materialized='table') }}\n"
        "select pg_backend_pid() = (select pid from {{ ref('first') }}) as same_connection,\n"
        "    to_regclass('pg_temp.probe_scratch') is null as scratch_gone\n"
    )
    folder = str(warehouse_probe)
    done = run(server, "run", "--project-dir", folder, "--profiles-dir", folder)
    assert done.returncode == 0, done.stdout + done.stderr
    row = admin.execute(f"select same_connection, scratch_gone from {PROBE_SCHEMA}.second")
    assert row.fetchone() == (True, True)


def test_the_servers_dbt_builds_the_column_lookups_context_once_per_thread(warehouse_probe):
    """dbt built a new context (its 500-odd macros wrapped anew) for every column lookup of
    its adapter; the server's dbt builds one per thread and runs every lookup on it, and each
    lookup still answers for its own relation."""
    models = warehouse_probe / "models"
    (models / "wide.sql").write_text("select 1 as left_column, 2 as right_column\n")
    (models / "narrow.sql").write_text("select 3 as only_column\n")
    (models / "lookups.sql").write_text(
        "{%- set seen = [] -%}\n"
        "{%- if execute -%}{%- for relation in [ref('wide'), ref('narrow')] * 2 -%}\n"
        "{%- do seen.append(adapter.get_columns_in_relation(relation)"
        " | map(attribute='name') | join('+')) -%}\n"
        "{%- endfor -%}{%- endif -%}\n"
        "select '{{ seen | join(', ') }}' as seen\n"
        "-- depends_on: {{ ref('wide') }}, {{ ref('narrow') }}\n"
    )
    script = """if True:
        import json, sys
        import dbt.cli.requires as requires
        import dbt.parser.manifest as manifest
        from dbt.cli.main import dbtRunner
        from orchestration import warm_dbt

        built, generate = [], requires.generate_runtime_macro_context

        def counted(macro, *args):
            built.append(macro.name)
            return generate(macro, *args)

        # both hand the adapter dbt's context generator
        requires.generate_runtime_macro_context = counted
        manifest.generate_runtime_macro_context = counted
        warm_dbt._reuse_column_lookup_contexts()
        folder = sys.argv[1]
        done = dbtRunner().invoke(
            ["run", "--project-dir", folder, "--profiles-dir", folder]
        )
        print(json.dumps({"ok": done.success, "built": built.count("get_columns_in_relation")}))
    """
    done = python(script, str(warehouse_probe))
    assert done.returncode == 0, done.stdout + done.stderr
    outcome = json.loads(done.stdout.splitlines()[-1])
    assert outcome == {"ok": True, "built": 1}, done.stdout
    compiled = next(warehouse_probe.glob("target/run/probe/models/lookups.sql")).read_text()
    assert "'left_column+right_column, only_column, left_column+right_column, only_column'" in (
        compiled
    )


def test_the_servers_dbt_builds_a_type_tester_once_per_set_of_text_columns():
    """The server's dbt keeps one agate type tester per set of text columns (dbt built one,
    with two date parsers and their locale tables, for every fetched result): the tables
    dbt makes from query results have the same types and values as before, and a second
    result with the same text columns builds no tester."""
    script = """if True:
        import datetime, decimal, json
        from dbt_common.clients import agate_helper
        from orchestration import warm_dbt

        results = [
            ([{"name": "a", "n": 1, "amount": decimal.Decimal("2.50")}], ["name", "n", "amount"]),
            (
                [{"day": datetime.date(2018, 9, 1), "flag": True, "empty": ""}],
                ["day", "flag", "empty"],
            ),
            ([{"name": "null", "n": None, "amount": None}], ["name", "n", "amount"]),
            ([{"name": "b", "n": 2, "amount": decimal.Decimal("1")}], ["name", "n", "amount"]),
        ]

        def tables():
            out = []
            for data, columns in results:
                table = agate_helper.table_from_data_flat(data, columns)
                out.append([
                    [type(t).__name__ for t in table.column_types],
                    [[str(v) for v in row.values()] for row in table.rows],
                ])
            return out

        built, build = [], agate_helper.build_type_tester

        def counted(*args, **kwargs):
            built.append(1)
            return build(*args, **kwargs)

        agate_helper.build_type_tester = counted
        before, built_before = tables(), len(built)
        warm_dbt._build_type_testers_once()
        built.clear()
        after = tables()
        print(json.dumps({"before": before, "after": after, "built": [built_before, len(built)],
                          "again": tables() == after, "built_again": len(built)}))
    """
    done = python(script)
    assert done.returncode == 0, done.stdout + done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["after"] == outcome["before"]
    assert outcome["after"][0][0] == ["Text", "Integer", "Number"]
    assert outcome["after"][2][1] == [["null", "None", "None"]]  # text kept as text
    # four results, two sets of text columns ({name}, {empty}): four testers before, two
    # now, and none for the same results again
    assert outcome["built"] == [4, 2]
    assert outcome["again"] and outcome["built_again"] == 2


def test_the_servers_dbt_compiles_a_template_once_across_runs(tmp_path):
    """The server's dbt keeps the code each Jinja template compiles into (dbt compiles every
    model, test and macro from its text in every process): a new process with the same
    template takes it from the folder, a changed template or another kind of environment
    compiles again, and a damaged file is compiled again rather than trusted."""
    script = """if True:
        import json, sys
        from pathlib import Path
        import jinja2
        from dbt_common.clients.jinja import get_environment
        from orchestration import warm_dbt

        generated, generate = [], jinja2.Environment._generate

        def counted(self, *args, **kwargs):
            generated.append(1)
            return generate(self, *args, **kwargs)

        jinja2.Environment._generate = counted
        warm_dbt._keep_compiled_templates(Path(sys.argv[1]))
        native = sys.argv[3] == "native"
        environment = get_environment(native=True) if native else jinja2.Environment()
        rendered = environment.from_string(sys.argv[2]).render({"x": 2})
        print(json.dumps({"rendered": rendered, "compiled": len(generated)}))
    """

    def render(template: str, kind: str = "text") -> dict:
        done = python(script, str(tmp_path / "kept"), template, kind)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout)

    assert render("{{ x * 21 }}") == {"rendered": "42", "compiled": 1}
    assert render("{{ x * 21 }}") == {"rendered": "42", "compiled": 0}
    assert render("{{ x * 22 }}") == {"rendered": "44", "compiled": 1}
    # dbt's native environment renders numbers as numbers: it never takes the text code
    assert render("{{ x * 21 }}", "native") == {"rendered": 42, "compiled": 1}
    assert render("{{ x * 21 }}", "native") == {"rendered": 42, "compiled": 0}
    for kept in (tmp_path / "kept").iterdir():
        kept.write_bytes(b"damaged")
    assert render("{{ x * 21 }}") == {"rendered": "42", "compiled": 1}
    assert render("{{ x * 21 }}") == {"rendered": "42", "compiled": 0}


def _manifest_writes(output: str) -> int:
    """How many times a dbt run with ``--log-format json --log-level debug`` wrote
    manifest.json."""
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return sum(
        1
        for event in events
        if event["info"]["name"] == "ArtifactWritten"
        and event["data"].get("artifact_type") == "WritableManifest"
    )


def test_the_servers_dbt_writes_the_manifest_once_when_the_command_ends(server, warehouse_probe):
    """dbt wrote manifest.json after parsing, before the first node, and again at the end of
    the run; the server's dbt writes it once, at the end, with each node's compiled SQL, and
    a command that only parses still leaves one."""
    (warehouse_probe / "models" / "answer.sql").write_text("select {{ 6 * 7 }} as answer\n")
    folder = str(warehouse_probe)
    common = ["--project-dir", folder, "--profiles-dir", folder]
    logs = ["--log-format", "json", "--log-level", "debug"]
    manifest = warehouse_probe / "target" / "manifest.json"

    done = run(server, *logs, "run", *common)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert _manifest_writes(done.stdout) == 1
    node = json.loads(manifest.read_text())["nodes"]["model.probe.answer"]
    assert node["compiled_code"].strip() == "select 42 as answer"

    manifest.unlink()
    done = run(server, *logs, "parse", *common)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert _manifest_writes(done.stdout) == 1
    assert "model.probe.answer" in json.loads(manifest.read_text())["nodes"]

    # the same run by dbt itself, which writes it twice: what the count above stands for
    cold = run(warm_dbt._real_dbt(), *logs, "run", *common)
    assert cold.returncode == 0, cold.stdout[-3000:] + cold.stderr
    assert _manifest_writes(cold.stdout) == 2


def _parsed_again(output: str) -> bool:
    """Whether a dbt run with ``--log-format json --log-level debug`` parsed the project (in
    part, from its last partial parse, or whole), instead of taking a manifest given."""
    parsing = {"PartialParsingEnabled", "UnableToPartialParse", "PartialParsingNotEnabled"}
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return any(event["info"]["name"] in parsing for event in events)


def test_a_build_takes_the_warm_up_manifest_only_while_nothing_it_was_parsed_from_changed(
    warehouse_probe, admin, monkeypatch
):
    """A child's run takes the manifest the server's warm-up parsed instead of loading the
    project's partial parse and hashing every file again; an edited model, a new one or a
    changed environment variable the project reads makes it parse as before, so each run
    builds what the files say."""
    models = warehouse_probe / "models"
    (models / "answer.sql").write_text("select 42 as answer\n")
    (models / "word.sql").write_text("select '{{ env_var('PROBE_WORD', 'plain') }}' as word\n")
    folder = str(warehouse_probe)
    common = ["--project-dir", folder, "--profiles-dir", folder]
    logs = ["--log-format", "json", "--log-level", "debug"]

    def value(model: str) -> object:
        return admin.execute(f"select * from {PROBE_SCHEMA}.{model}").fetchone()[0]

    monkeypatch.delenv("PROBE_WORD", raising=False)
    warm_dbt.start(warehouse_probe)
    try:
        client = os.environ[warm_dbt.CLIENT_ENV]
        done = run(client, *logs, "run", *common)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        assert not _parsed_again(done.stdout)
        assert (value("answer"), value("word")) == (42, "plain")

        done = run(client, *logs, "run", *common, env={**os.environ, "PROBE_WORD": "fancy"})
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        assert _parsed_again(done.stdout)
        assert value("word") == "fancy"

        (models / "answer.sql").write_text("select 43 as answer\n")
        (models / "added.sql").write_text("select 1 as added\n")
        done = run(client, *logs, "run", *common)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr
        assert _parsed_again(done.stdout)
        assert (value("answer"), value("added"), value("word")) == (43, 1, "plain")
    finally:
        warm_dbt.stop()
