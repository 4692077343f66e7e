#!/usr/bin/env python3
"""Hostile engines for the harness's robustness matrix.

Forwards every protocol line to a real engine (the command after `--`, normally
`regspec serve`) and misbehaves in one chosen way when it sees the case CASE_ID:

  hostile_engine.py MODE CASE_ID -- ENGINE COMMAND...

The explore modes ignore CASE_ID: they disagree with the reference on the first case they see
(every shrink candidate of it carries the same id), then
  disagree-then-hang  hang on the next case, after creating ./hanging;
  disagree-linger     replace the folder ./out with a file, so that writing the reproducer
                      fails, and keep running whatever they are told (stop, end of stdin).

Every process it starts (itself, the real engine, helpers) appends its pid to ./pids, so a
test can check that none outlives the run. Memory stays small whatever it writes: large
outputs are written in chunks.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

CHUNK = 1 << 20
PLANTED_ERROR = {"outcome": "error", "error": {"kind": None, "label": None, "type": "ValueError", "message": "planted"},
                 "requests": {"forward": [], "backward": []}}


def record(pid):
    with open("pids", "a") as f:
        f.write(f"{pid}\n")


def main():
    separator = sys.argv.index("--")
    mode, target = sys.argv[1:separator]
    record(os.getpid())
    engine = subprocess.Popen(sys.argv[separator + 1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    record(engine.pid)
    out = sys.stdout.buffer

    def forward(line):
        engine.stdin.write(line)
        engine.stdin.flush()
        return engine.stdout.readline()

    def answer(data):
        out.write(data if data.endswith(b"\n") else data + b"\n")
        out.flush()

    if mode == "ignore-sigterm":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if mode == "orphan-helper":
        # A helper in the background that inherits stdout and stderr and outlives everyone.
        helper = subprocess.Popen(["sleep", "1000"])
        record(helper.pid)

    first_case = None
    for line in sys.stdin.buffer:
        message = json.loads(line)
        command = message.get("cmd")
        if command == "stop":
            if mode in ("ignore-sigterm", "disagree-linger"):
                time.sleep(1000)
            forward(line)
            return
        reply = forward(line)
        if command == "start":
            answer(reply)
            if mode == "reply-early":
                answer(b'{"seq": 1, "observation": {"outcome": "success", "metrics": {}, "requests": {"forward": [], "backward": []}}}')
            continue
        if mode in ("disagree-then-hang", "disagree-linger"):
            case_id = message.get("case", {}).get("id")
            first_case = first_case or case_id
            if case_id != first_case:
                open("hanging", "w").close()
                time.sleep(1000)
            if mode == "disagree-linger" and os.path.isdir("out"):
                shutil.rmtree("out")
                open("out", "w").close()
            answer(json.dumps({"seq": message["seq"], "observation": PLANTED_ERROR}).encode())
            continue
        if message.get("case", {}).get("id") != target:
            answer(reply)
            continue
        seq = message["seq"]
        if mode == "surrogate":
            answer(b'{"seq": %d, "observation": "\\ud800\\u0041"}' % seq)
        elif mode == "invalid-utf8":
            answer(b'{"seq": %d, "errored": "\xff\xfe\xc0\x80 \xed\xa0\x80"}' % seq)
        elif mode == "huge-line":
            for _ in range(100):
                out.write(b"x" * CHUNK)
            answer(b"")
        elif mode == "deep-nesting":
            answer(b"[" * 200000 + b"]" * 200000)
        elif mode == "huge-number":
            observation = json.loads(reply)["observation"]
            observation["metrics"]["loss_total"] = "HUGE"
            answer(json.dumps({"seq": seq, "observation": observation}).replace('"HUGE"', "1e999").encode())
        elif mode == "double-reply":
            answer(reply + reply)
        elif mode == "close-stdout":
            out.close()
            os.close(1)
            time.sleep(1000)
        elif mode == "stderr-flood":
            for _ in range(256):
                sys.stderr.buffer.write(b"log line " * (CHUNK // 9) + b"\n")
            sys.stderr.flush()
            answer(reply)
        elif mode == "deaf":
            # Answers this case, then never reads again: the next (large) run message fills the pipe.
            answer(reply)
            time.sleep(1000)
        elif mode == "long-message":
            error = {"kind": None, "label": None, "type": "ValueError", "message": "m" * (8 << 20)}
            observation = {"outcome": "error", "error": error, "requests": {"forward": [], "backward": []}}
            answer(json.dumps({"seq": seq, "observation": observation}).encode())
        elif mode == "regex-bomb":
            error = {"kind": None, "label": None, "type": "ValueError", "message": "a" * 40 + "!"}
            observation = {"outcome": "error", "error": error, "requests": {"forward": [], "backward": []}}
            answer(json.dumps({"seq": seq, "observation": observation}).encode())
        elif mode == "hang":
            open("hanging", "w").close()
            time.sleep(1000)
        elif mode == "orphan-helper":
            sys.stderr.write("crashing, the helper stays\n")
            sys.stderr.flush()
            os._exit(1)
        else:
            answer(reply)


if __name__ == "__main__":
    main()
    if sys.argv[1] == "disagree-linger":
        time.sleep(1000)
