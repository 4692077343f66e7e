#!/usr/bin/env python3
"""Validates a real engine-protocol run against docs/schema/protocol-*.schema.json.

    python3 tools/check_protocol_schemas.py [SPEC_PATH ...]

Run from anywhere once the package is built (`swift build`). It runs

    .build/debug/regspec run specs --strict-protocol \\
        --engine-command "python3 tools/check_protocol_schemas.py --relay DIR -- .build/debug/regspec serve"

In relay mode (`--relay DIR -- COMMAND...`) this script starts COMMAND, forwards
every line between the harness and it unchanged in both directions, and writes a
copy of each line to DIR (one pair of files per engine process). Afterwards
every captured message is checked:

  - the line is UTF-8, ends with a newline and holds one JSON value (NaN,
    Infinity and -Infinity accepted, as Python's json parses them);
  - harness to engine: against protocol-start, protocol-run or protocol-stop,
    chosen by `cmd`;
  - engine to harness: the first line of each process against
    protocol-started, every later one against protocol-run-reply, and its seq
    against the seq of the run message it answers.

It also checks that the schemas are valid draft 2020-12 and that they reject a
few broken variants of captured replies (the kind --strict-protocol rejects).

Prints one line per problem and a closing `N passed, N failed` (N = messages);
exits 1 when any message fails or a schema accepts a broken reply, 2 when
.build/debug/regspec is missing or nothing could be captured.
"""

from __future__ import annotations

import copy
import json
import os
import shlex
import subprocess
import sys
import tempfile
import threading

import jsonschema

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_DIR = os.path.join(REPO, "docs", "schema")
BINARY = os.path.join(REPO, ".build", "debug", "regspec")
SCHEMA_NAMES = ["start", "started", "run", "run-reply", "stop"]


# ---------------------------------------------------------------- relay mode


def relay(directory: str, command: list[str]) -> int:
    """Forwards stdin to COMMAND and its stdout back, logging every line."""
    engine = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    stem = os.path.join(directory, f"engine-{os.getpid()}")
    to_log = open(stem + ".to-engine.jsonl", "wb")
    from_log = open(stem + ".from-engine.jsonl", "wb")

    def harness_to_engine() -> None:
        try:
            for line in sys.stdin.buffer:
                to_log.write(line)
                to_log.flush()
                engine.stdin.write(line)
                engine.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        finally:
            try:
                engine.stdin.close()
            except OSError:
                pass

    def engine_to_harness() -> None:
        try:
            for line in engine.stdout:
                from_log.write(line)
                from_log.flush()
                sys.stdout.buffer.write(line)
                sys.stdout.buffer.flush()
        except (BrokenPipeError, OSError):
            pass

    inbound = threading.Thread(target=harness_to_engine, daemon=True)
    outbound = threading.Thread(target=engine_to_harness)
    inbound.start()
    outbound.start()
    status = engine.wait()
    outbound.join()
    to_log.close()
    from_log.close()
    return status


# ---------------------------------------------------------------- checking


def load_validators() -> dict[str, jsonschema.Draft202012Validator]:
    validators = {}
    for name in SCHEMA_NAMES:
        path = os.path.join(SCHEMA_DIR, f"protocol-{name}.schema.json")
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[name] = jsonschema.Draft202012Validator(schema)
    return validators


def schema_errors(validator: jsonschema.Draft202012Validator, instance) -> list[str]:
    out = []
    for err in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        path = "/".join(str(p) for p in err.absolute_path) or "(root)"
        best = jsonschema.exceptions.best_match([err]) if err.context else err
        detail = best.message
        if best is not err and best.absolute_path != err.absolute_path:
            path = "/".join(str(p) for p in best.absolute_path) or "(root)"
        if len(detail) > 300:
            detail = detail[:300] + "..."
        out.append(f"{path}: {detail}")
    return out


def parse_line(raw: bytes) -> tuple[object, str | None]:
    if not raw.endswith(b"\n"):
        return None, "the line does not end with a newline"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, f"not UTF-8: {e}"
    body = text[:-1]
    if "\n" in body:
        return None, "a message spans more than one line"
    try:
        return json.loads(body), None
    except json.JSONDecodeError as e:
        return None, f"not JSON: {e}"


def read_lines(path: str) -> list[bytes]:
    with open(path, "rb") as f:
        return f.readlines()


def check_process(stem: str, validators) -> tuple[int, int, list[dict], list[dict]]:
    """Checks one engine process's messages; returns (passed, failed, runs, replies)."""
    passed = failed = 0
    runs, replies = [], []
    run_seqs: list[int | None] = []

    def report(where: str, problems: list[str]) -> None:
        nonlocal passed, failed
        if problems:
            failed += 1
            for p in problems:
                print(f"{where}: {p}")
        else:
            passed += 1

    to_path, from_path = stem + ".to-engine.jsonl", stem + ".from-engine.jsonl"
    for number, raw in enumerate(read_lines(to_path), 1):
        where = f"{os.path.basename(to_path)}:{number}"
        message, problem = parse_line(raw)
        if problem:
            report(where, [problem])
            continue
        cmd = message.get("cmd") if isinstance(message, dict) else None
        if cmd not in ("start", "run", "stop"):
            report(where, [f"unknown cmd {cmd!r}"])
            continue
        report(where + f" ({cmd})", schema_errors(validators[cmd], message))
        if cmd == "run":
            runs.append(message)
            run_seqs.append(message.get("seq"))

    for number, raw in enumerate(read_lines(from_path), 1):
        name = "started" if number == 1 else "run-reply"
        where = f"{os.path.basename(from_path)}:{number} ({name})"
        message, problem = parse_line(raw)
        if problem:
            report(where, [problem])
            continue
        problems = schema_errors(validators[name], message)
        if name == "run-reply":
            index = number - 2
            expected = run_seqs[index] if index < len(run_seqs) else None
            actual = message.get("seq") if isinstance(message, dict) else None
            if expected is None:
                problems.append(f"a reply with no run message to answer (seq {actual})")
            elif actual != expected:
                problems.append(f"answers seq {actual} to run seq {expected}")
            else:
                replies.append(message)
        report(where, problems)
    return passed, failed, runs, replies


def broken_variants(replies: list[dict], started: dict | None):
    """Broken copies of captured replies that --strict-protocol rejects; the schemas must too."""
    success = next((r for r in replies if r.get("observation", {}).get("outcome") == "success"), None)
    error = next((r for r in replies if r.get("observation", {}).get("outcome") == "error"), None)
    if started is not None:
        v = copy.deepcopy(started)
        v["engine"]["capabilities"].append("teleport")
        yield "started", "an unknown capability", v
        v = copy.deepcopy(started)
        v["engine"]["extra"] = 1
        yield "started", "an extra key in engine", v
        v = copy.deepcopy(started)
        v["version"] = 2
        yield "started", "another protocol version", v
    if success is not None:
        v = copy.deepcopy(success)
        v["observation"]["outcom"] = "success"
        yield "run-reply", "a misspelt key in the observation", v
        v = copy.deepcopy(success)
        v["observation"]["metrics"]["flag"] = True
        yield "run-reply", "a boolean metric", v
        v = copy.deepcopy(success)
        v["errored"] = "both"
        yield "run-reply", "errored next to an observation", v
        v = copy.deepcopy(success)
        v["observation"]["error"] = None
        yield "run-reply", "an error key in a success observation", v
        v = copy.deepcopy(success)
        if v["observation"]["requests"]["forward"]:
            v["observation"]["requests"]["forward"][0]["data"][0]["extra"] = 1
            yield "run-reply", "an extra key in a request datum", v
        if success["observation"].get("telemetry"):
            v = copy.deepcopy(success)
            v["observation"]["telemetry"][0]["extra"] = 1
            yield "run-reply", "an extra key in a telemetry event", v
            v = copy.deepcopy(success)
            v["observation"]["telemetry"][0]["event"] = "call_exploded"
            yield "run-reply", "an unknown telemetry event", v
    if error is not None:
        v = copy.deepcopy(error)
        v["observation"]["error"]["kind"] = "exploded"
        yield "run-reply", "an unknown error kind", v
        v = copy.deepcopy(error)
        del v["observation"]["error"]["message"]
        yield "run-reply", "an error without a message", v


def main(argv: list[str]) -> int:
    if argv[:1] == ["--relay"]:
        if len(argv) < 4 or argv[2] != "--":
            print("usage: check_protocol_schemas.py --relay DIR -- COMMAND...", file=sys.stderr)
            return 2
        return relay(argv[1], argv[3:])

    if not os.access(BINARY, os.X_OK):
        print(f"error: {os.path.relpath(BINARY)} is missing; build the package first (`swift build`)", file=sys.stderr)
        return 2
    validators = load_validators()

    with tempfile.TemporaryDirectory(prefix="regspec-protocol-") as capture:
        engine = " ".join(
            shlex.quote(part)
            for part in [sys.executable, os.path.abspath(__file__), "--relay", capture, "--", BINARY, "serve"]
        )
        paths = argv or ["specs"]
        harness = subprocess.run(
            [BINARY, "run", *paths, "--strict-protocol", "--engine-command", engine],
            cwd=REPO, capture_output=True, text=True,
        )
        summary = (harness.stdout.strip().splitlines() or [""])[-1]
        if harness.returncode == 2:
            print(f"error: the harness could not run (exit 2):\n{harness.stderr.strip()}", file=sys.stderr)
            return 2
        print(f"harness: {summary}" + ("" if harness.returncode == 0 else f" (exit {harness.returncode})"))

        stems = sorted(
            os.path.join(capture, name[: -len(".to-engine.jsonl")])
            for name in os.listdir(capture)
            if name.endswith(".to-engine.jsonl")
        )
        if not stems:
            print("error: no engine process was captured", file=sys.stderr)
            return 2
        passed = failed = 0
        all_replies: list[dict] = []
        started = None
        for stem in stems:
            p, f, _, replies = check_process(stem, validators)
            passed += p
            failed += f
            all_replies += replies
            if started is None:
                first = read_lines(stem + ".from-engine.jsonl")[:1]
                if first:
                    started, _ = parse_line(first[0])

    accepted = 0
    checked = 0
    for name, what, message in broken_variants(all_replies, started if isinstance(started, dict) else None):
        checked += 1
        if not schema_errors(validators[name], message):
            accepted += 1
            print(f"protocol-{name}.schema.json accepts a reply with {what}")
    print(f"schemas reject {checked - accepted} of {checked} broken replies")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or accepted or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
