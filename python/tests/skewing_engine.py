#!/usr/bin/env python3
"""An engine for the plugin's tests: forwards the protocol to a real engine and changes one thing.

  skewing_engine.py skew CASE_ID -- ENGINE...            doubles every metric of CASE_ID's result
  skewing_engine.py drop-capability NAME -- ENGINE...    announces the engine without capability NAME
  skewing_engine.py die-at-start -- ENGINE...            exits before the handshake, as a broken install does
  skewing_engine.py crash CASE_ID -- ENGINE...           dies with a traceback on stderr when asked to run CASE_ID
  skewing_engine.py stall-after CASE_ID -- ENGINE...     skews CASE_ID, then never answers another case
  skewing_engine.py slow CASE_ID -- ENGINE...            takes 2 s more over CASE_ID

With REGSPEC_ENGINE_LOG set, each case it is asked to run is appended there as `PID CASE_ID`.
"""

import json
import os
import subprocess
import sys
import time


def main() -> None:
    separator = sys.argv.index("--")
    mode, *rest = sys.argv[1:separator]
    argument = rest[0] if rest else None
    if mode == "die-at-start":
        sys.stderr.write("ModuleNotFoundError: No module named 'my_sdk'\n")
        sys.exit(1)
    skewed = False
    engine = subprocess.Popen(sys.argv[separator + 1 :], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in sys.stdin:
        engine.stdin.write(line)
        engine.stdin.flush()
        message = json.loads(line)
        if message.get("cmd") == "stop":
            return
        running = message.get("case", {}).get("id") if message.get("cmd") == "run" else None
        if running and os.environ.get("REGSPEC_ENGINE_LOG"):
            with open(os.environ["REGSPEC_ENGINE_LOG"], "a") as log:
                log.write(f"{os.getpid()} {running}\n")
        if mode == "stall-after" and running and running != argument and skewed:
            time.sleep(600)
        if mode == "slow" and running == argument:
            time.sleep(2)
        if mode == "crash" and message.get("cmd") == "run" and message.get("case", {}).get("id") == argument:
            sys.stderr.write("Traceback (most recent call last):\nRuntimeError: injected crash\n")
            sys.stderr.flush()
            sys.exit(1)
        reply = json.loads(engine.stdout.readline())
        if mode == "drop-capability" and "engine" in reply:
            reply["engine"]["capabilities"] = [c for c in reply["engine"]["capabilities"] if c != argument]
        if mode in ("skew", "stall-after") and running == argument:
            skewed = True
            metrics = reply.get("observation", {}).get("metrics", {})
            for key, value in metrics.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    metrics[key] = value * 2 + 1
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
