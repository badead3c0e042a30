"""``python -m orchestration`` leaves without the interpreter's teardown, losing nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )


def test_the_exit_code_buffered_output_and_exit_handlers_survive():
    done = _run(
        """
        import atexit, sys
        from orchestration.__main__ import leave
        atexit.register(lambda: print("exit handler ran"))
        print("buffered on a pipe", end="")
        print("and on stderr", file=sys.stderr, end="")
        leave(3)
        """
    )
    assert done.returncode == 3
    assert done.stdout == "buffered on a pipe" + "exit handler ran\n"
    assert done.stderr == "and on stderr"


def test_a_live_thread_is_waited_for():
    done = _run(
        """
        import threading, time
        from orchestration.__main__ import leave
        def late():
            time.sleep(0.5)
            print("the thread finished")
        threading.Thread(target=late).start()
        leave(0)
        """
    )
    assert done.returncode == 0
    assert done.stdout == "the thread finished\n"
