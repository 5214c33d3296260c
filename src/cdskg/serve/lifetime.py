"""Worker processes that end when their parent does.

A build killed with ``kill -9`` left its two workers (and multiprocessing's resource tracker,
which waits for them) running for an hour; a server's workers would go on holding its port.
On Linux, ``prctl(PR_SET_PDEATHSIG)`` asks the kernel to send a signal to this process when
the thread that started it ends, which for our workers is their parent's main thread. The
resource tracker ends by itself once no process holds its pipe.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGKILL) -> bool:
    """Have the kernel send ``sig`` to this process when its parent ends; True if it will.

    Call it first thing in a worker process. Where the parent that started it (by
    multiprocessing, else the current one) is already gone, the process ends at once.
    Linux only: elsewhere it returns False and changes nothing.
    """
    if not sys.platform.startswith("linux"):
        return False
    # The parent that started this process, if multiprocessing did: it may have ended
    # before this call, and then this process has a new parent already.
    started_by = multiprocessing.parent_process()
    parent = started_by.pid if started_by is not None and started_by.pid else os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if os.getppid() != parent:  # it ended before the call took effect
        os.kill(os.getpid(), sig)
    return True
