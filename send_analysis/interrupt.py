"""Ctrl-C (SIGINT) taken by a thread of its own, so that a command stops at once with one line.

A terminal's Ctrl-C reaches every process of the foreground group and, within a process, any
thread that does not block it. ``send_analysis.cli`` blocks it in the main thread before anything
else starts (:func:`hold_ctrl_c`), so every thread and process started afterwards inherits the
block, and :func:`_watch_ctrl_c` takes it: it prints one line and ends the process at once,
whatever the main thread is doing. A command that runs no worker processes releases the hold once
its arguments are parsed (:func:`release_ctrl_c`) and Ctrl-C is Python's ``KeyboardInterrupt``
again; a batch on a local Dask cluster keeps it, so its workers (and their kernels) never print an
interruption and exit with this process (they watch their parent).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from send_analysis.errors import STOPPED

#: Set while Ctrl-C is held by :func:`hold_ctrl_c`.
_HELD = threading.Event()
#: The command named in the line printed on Ctrl-C.
_COMMAND = ["send-analysis"]


def hold_ctrl_c() -> bool:
    """Block Ctrl-C (SIGINT) in the calling thread when it is the main thread and it is not held
    already (True if so): every thread it starts afterwards, and every process those threads
    start, inherits the block, and a thread of its own (:func:`_watch_ctrl_c`) takes a Ctrl-C at
    once, whatever the main thread is doing."""
    if threading.current_thread() is not threading.main_thread() or _HELD.is_set():
        return False
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    _HELD.set()
    threading.Thread(target=_watch_ctrl_c, name="ctrl-c", daemon=True).start()
    return True


def release_ctrl_c() -> None:
    """Unblock Ctrl-C in the main thread (a Ctrl-C held meanwhile is raised now); idempotent."""
    if threading.current_thread() is threading.main_thread() and _HELD.is_set():
        _HELD.clear()
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _watch_ctrl_c() -> None:
    """While Ctrl-C is held, take it at once: one line, and exit (code 130) without clean-up
    handlers; a local cluster's workers exit with this process."""
    while _HELD.is_set():
        if signal.sigtimedwait({signal.SIGINT}, 0.2) is not None:
            # on a line of its own (a progress bar may hold the current one)
            print(f"\n{_COMMAND[0]}: {STOPPED}", file=sys.stderr, flush=True)
            os._exit(130)


def name_command(command: str) -> None:
    """The command named in the line printed on Ctrl-C (``send-analysis evidence``)."""
    _COMMAND[0] = f"send-analysis {command}"
