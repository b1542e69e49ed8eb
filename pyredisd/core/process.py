"""What the process knows about itself (memory, CPU) for INFO; stdlib only, no I/O with peers."""

from __future__ import annotations

import os
import resource


def rss_bytes() -> int:
    """Resident set size, from ``/proc/self/statm`` where available."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def peak_rss_bytes() -> int:
    """Peak resident set size."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def cpu_times() -> tuple[float, float, float, float]:
    """(sys, user, children sys, children user) CPU seconds."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_stime, own.ru_utime, children.ru_stime, children.ru_utime


def total_system_memory() -> int:
    """Physical memory of the machine in bytes."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError):
        return 0
