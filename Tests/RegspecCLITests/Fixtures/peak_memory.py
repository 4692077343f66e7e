#!/usr/bin/env python3
"""Runs a command and writes its peak resident memory (KiB, with the children it reaped) to a file.

    peak_memory.py OUTPUT -- COMMAND...

The test process cannot measure this itself: a child spawned from it (posix_spawn shares the
parent's memory until exec) starts its `ru_maxrss` at the parent's own peak, so a test run
beside memory-hungry tests would see their peak, not the command's. Spawned from this small
process instead, the command's figure is its own. SIGTERM and SIGINT are passed on; the exit
status is the command's, 128 + the signal when one killed it.
"""
import resource
import signal
import subprocess
import sys


def main():
    separator = sys.argv.index("--")
    output = sys.argv[1]
    child = subprocess.Popen(sys.argv[separator + 1:])
    for forwarded in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(forwarded, lambda number, _frame: child.send_signal(number))
    status = child.wait()
    with open(output, "w") as handle:
        handle.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
    sys.exit(128 - status if status < 0 else status)


if __name__ == "__main__":
    main()
