#!/usr/bin/env python3
"""Hostile engines for the harness's robustness matrix.

Forwards every protocol line to a real engine (the command after `--`, normally
`regspec serve`) and misbehaves in one chosen way when it sees the case CASE_ID:

  hostile_engine.py MODE CASE_ID -- ENGINE COMMAND...

CASE_ID `#N` means the N-th run message instead (for generated cases, as `regspec explore`
sends), counted across restarts, once per run (the file ./fired marks it done).

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


def is_target(message, target):
    """Whether this run message is the one to misbehave on."""
    if not target.startswith("#"):
        return message.get("case", {}).get("id") == target
    count = int(open("count").read()) + 1 if os.path.exists("count") else 1
    with open("count", "w") as f:
        f.write(str(count))
    if count < int(target[1:]) or os.path.exists("fired"):
        return False
    open("fired", "w").close()
    return True


def observation_of(reply):
    """The real engine's reply as an object, with a success observation's parts in place."""
    answer = json.loads(reply)
    observation = answer.setdefault("observation", {"outcome": "success", "requests": {"forward": [], "backward": []}})
    metrics = observation.setdefault("metrics", {}) if observation.get("outcome") == "success" else {}
    return answer, observation, metrics


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
    if mode == "mute-after-handshake":
        # Answers the handshake, then reads every line and never answers again.
        engine.stdin.write(sys.stdin.buffer.readline())
        engine.stdin.flush()
        answer(engine.stdout.readline())
        for _ in sys.stdin.buffer:
            pass
        time.sleep(1000)
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
        if not is_target(message, target):
            answer(reply)
            continue
        seq = message["seq"]
        if mode == "other-case":
            # A well-formed answer, to another case: the same call with another id and weight.
            other = json.loads(line)
            other["case"]["id"] = "other/" + other["case"].get("id", "")
            for entry in other["case"].get("call", {}).get("regularizers") or []:
                if isinstance(entry, dict) and isinstance(entry.get("weight"), (int, float)):
                    entry["weight"] = entry["weight"] * 3 + 1
            reply = forward(json.dumps(other).encode() + b"\n")
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
        elif mode == "regex-long":
            error = {"kind": None, "label": None, "type": "ValueError", "message": "a" * 8192}
            observation = {"outcome": "error", "error": error, "requests": {"forward": [], "backward": []}}
            answer(json.dumps({"seq": seq, "observation": observation}).encode())
        elif mode == "many-regularizers":
            answer_, observation, metrics = observation_of(reply)
            regularizers = metrics.setdefault("regularizers", {})
            for index in range(100_000):
                regularizers["extra-%d" % index] = {"value": 0.0, "weight": 0.0, "contribution": 0.0, "custom": {}}
            answer(json.dumps(answer_).encode())
        elif mode == "many-custom":
            answer_, observation, metrics = observation_of(reply)
            regularizers = metrics.setdefault("regularizers", {})
            if not regularizers:
                regularizers["extra"] = {"value": 0.0, "weight": 0.0, "contribution": 0.0, "custom": {}}
            custom = next(iter(regularizers.values())).setdefault("custom", {})
            for index in range(100_000):
                custom["key-%d" % index] = float(index)
            answer(json.dumps(answer_).encode())
        elif mode == "huge-gradient":
            answer_, observation, metrics = observation_of(reply)
            backward = observation.setdefault("requests", {}).setdefault("backward", [])
            weights = {"data": [0.5] * 1_000_000, "dtype": "float32", "shape": [1_000_000]}
            if backward and backward[0].get("data"):
                backward[0]["data"][0].setdefault("loss_fn_inputs", {})["weights"] = weights
            else:
                backward.append({"loss_fn": "cross_entropy", "data": [{"model_input": {"chunks": []}, "loss_fn_inputs": {"weights": weights}}]})
            answer(json.dumps(answer_).encode())
        elif mode == "split-writes":
            # The right answer, in 10 pieces 0.3 s apart.
            size = len(reply) // 10 + 1
            for start in range(0, len(reply), size):
                out.write(reply[start:start + size])
                out.flush()
                time.sleep(0.3)
            if not reply.endswith(b"\n"):
                answer(b"")
        elif mode == "exit-zero":
            os._exit(0)
        elif mode == "stdout-garbage":
            out.write(b"garbage \x1b[2J not json\n")
            answer(reply)
            out.write(b"more garbage after the answer\n")
            out.flush()
        elif mode == "stderr-no-newline":
            for _ in range(32):
                sys.stderr.buffer.write(b"x" * CHUNK)
            sys.stderr.flush()
            answer(reply)
        elif mode == "close-stdin":
            # Answers, then closes its stdin and keeps running.
            answer(reply)
            sys.stdin.close()
            os.close(0)
            time.sleep(1000)
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
