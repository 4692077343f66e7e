#!/usr/bin/env python3
"""A stand-in engine for fault-injection tests.

It forwards every protocol line to a real engine (the command after `--`, normally
`regspec serve`) and breaks the protocol in one chosen way, on one chosen case or always:

  fault_engine.py MODE [CASE_ID] -- ENGINE COMMAND...

Modes: crash, hang, garbage, wrong-seq, exit-after-handshake, stderr-noise, bad-version,
huge-line, die-at-start, pass, float64-weights (backward weights off their float32 values, as a
float64 tensor labelled float32 is sent), zero-weights (backward weights all 0.0), announce=CAP,CAP (announce only these capabilities;
`announce=` announces none), no-telemetry (announce no `telemetry` and send no events: an engine of
protocol 1.0), and telemetry faults on the events the real engine reported: telemetry-swap (two fns'
events in each other's place), telemetry-drop-stop (no fn_stopped), telemetry-wrong-value (fn_stopped
values off by one), telemetry-on-validation (call_started even when validation failed),
telemetry-extra-key (a key no event has, which only --strict-protocol refuses).
"""
import json
import subprocess
import sys
import time


def main():
    separator = sys.argv.index("--")
    mode, *rest = sys.argv[1:separator]
    target = rest[0] if rest else None
    engine = subprocess.Popen(sys.argv[separator + 1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def forward(line):
        engine.stdin.write(line)
        engine.stdin.flush()
        return engine.stdout.readline()

    def answer(text):
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()

    if mode == "die-at-start":
        sys.stderr.write("ModuleNotFoundError: No module named 'my_sdk'\n")
        sys.exit(1)
    for line in sys.stdin:
        if mode == "stderr-noise":
            sys.stderr.write("noise: " + "x" * 200 + "\n")
            sys.stderr.flush()
        is_start = '"cmd":"start"' in line
        is_target = target is None or f'"id":"{target}"' in line
        if '"cmd":"stop"' in line:
            forward(line)
            return
        reply = forward(line)
        if is_start:
            if mode == "no-telemetry":
                started = json.loads(reply)
                started["engine"]["capabilities"] = [c for c in started["engine"]["capabilities"] if c != "telemetry"]
                answer(json.dumps(started))
                continue
            if mode.startswith("announce="):
                started = json.loads(reply)
                started["engine"]["capabilities"] = [c for c in mode.split("=", 1)[1].split(",") if c]
                answer(json.dumps(started))
                continue
            if mode == "bad-version":
                answer(reply.replace('"version":1', '"version":99', 1))
                continue
            answer(reply)
            if mode == "exit-after-handshake":
                sys.stderr.write("exiting right after the handshake\n")
                sys.exit(3)
            continue
        if not is_target:
            answer(reply)
            continue
        if mode == "crash":
            sys.stderr.write("Traceback (most recent call last):\nRuntimeError: injected crash\n")
            sys.stderr.flush()
            sys.exit(1)
        elif mode == "hang":
            time.sleep(3600)
        elif mode == "garbage":
            answer("this is not json")
        elif mode == "wrong-seq":
            answer(reply.replace('"seq":', '"seq":1000', 1))
        elif mode in ("float64-weights", "zero-weights"):
            message = json.loads(reply)
            observation = message.get("observation") or {}
            for request in (observation.get("requests") or {}).get("backward", []):
                for datum in request["data"]:
                    weights = datum["loss_fn_inputs"].get("weights")
                    if weights:
                        # What a float64 -g looks like beside float32(-g): bits below float32's precision.
                        if mode == "zero-weights":
                            weights["data"] = [0.0 for _ in weights["data"]]
                        else:
                            weights["data"] = [w + w * 2.0 ** -40 for w in weights["data"]]
            answer(json.dumps(message))
        elif mode == "no-telemetry" or mode.startswith("telemetry-"):
            message = json.loads(reply)
            observation = message.get("observation") or {}
            events = observation.pop("telemetry", None)
            if mode != "no-telemetry" and events is not None:
                observation["telemetry"] = break_telemetry(mode, events)
            answer(json.dumps(message))
        elif mode == "huge-line":
            seq = json.loads(line)["seq"]
            answer('{"seq": %d, "observation": "%s"}' % (seq, "x" * (8 << 20)))
        else:
            answer(reply)


def break_telemetry(mode, events):
    """The events as an engine with one telemetry bug would report them."""
    if mode == "telemetry-swap":
        # The first two fns' events trade places: out of list order under max_concurrency 1.
        labels = []
        for event in events:
            if event.get("label") is not None and event["event"].startswith("fn_") and event["label"] not in labels:
                labels.append(event["label"])
        if len(labels) >= 2:
            first, second = labels[0], labels[1]
            for event in events:
                if event["event"].startswith("fn_") and event.get("label") in (first, second):
                    event["label"] = second if event["label"] == first else first
        return events
    if mode == "telemetry-drop-stop":
        return [event for event in events if event["event"] != "fn_stopped"]
    if mode == "telemetry-wrong-value":
        for event in events:
            if event["event"] == "fn_stopped" and event.get("value") is not None:
                event["value"] += 1.0
        return events
    if mode == "telemetry-extra-key":
        for event in events:
            event["colour"] = "blue"
        return events
    if mode == "telemetry-on-validation":
        return events or [{"event": "call_started", "mode": "structured", "fn_count": 0}]
    return events


if __name__ == "__main__":
    main()
