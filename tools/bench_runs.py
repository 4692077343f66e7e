#!/usr/bin/env python3
"""Runs the release benchmark several times and summarises each figure as min / median / max.

    python3 tools/bench_runs.py                       # 3 runs of every group
    python3 tools/bench_runs.py --runs 5 -- --only throughput --only explore

Arguments after `--` go to `regspec-bench`. Build it first
(`swift build -c release`: every product, as the protocol group runs the `regspec` beside
the bench). Prints a Markdown
table: one row per figure, its min / median / max over the runs, its target and how many
runs met it, then the load average (`/proc/loadavg`, 1 minute) before each run. A figure
held to a target in one run is a single benchmark measurement, never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(REPO, ".build", "release", "regspec-bench")


def load_average() -> str:
    try:
        with open("/proc/loadavg", encoding="ascii") as handle:
            return handle.read().split()[0]
    except OSError:
        return "?"


def readable(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 100 or magnitude == 0:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="how many runs (at least 1; default 3)")
    parser.add_argument("--bench", default=BENCH, help="the regspec-bench executable")
    parser.add_argument("bench_arguments", nargs="*", help="arguments for regspec-bench, after --")
    options = parser.parse_args()
    if options.runs < 1:
        parser.error("--runs must be at least 1")
    if not os.access(options.bench, os.X_OK):
        parser.error(f"no executable at {options.bench}; build it with swift build -c release")

    runs: list[list[dict]] = []
    loads: list[str] = []
    with tempfile.TemporaryDirectory(prefix="regspec-bench-runs-") as folder:
        for number in range(options.runs):
            output = os.path.join(folder, f"run-{number}.json")
            loads.append(load_average())
            print(f"run {number + 1} of {options.runs} (load {loads[-1]})", file=sys.stderr)
            result = subprocess.run([options.bench, *options.bench_arguments, "--output", output], cwd=REPO,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if result.returncode != 0:
                print(result.stdout[-3000:], file=sys.stderr)
                print(f"run {number + 1} failed with exit status {result.returncode}", file=sys.stderr)
                return 1
            with open(output, encoding="utf-8") as handle:
                runs.append(json.load(handle))

    order: list[tuple[str, str]] = []
    figures: dict[tuple[str, str], list[dict]] = {}
    for run in runs:
        for record in run:
            key = (record["group"], record["name"])
            if key not in figures:
                order.append(key)
                figures[key] = []
            figures[key].append(record)

    print(f"| figure | min | median | max | target | met |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    group = None
    for key in order:
        records = figures[key]
        if key[0] != group:
            group = key[0]
            print(f"| **{group}** | | | | | |")
        # null: a figure a run could not measure (the bench says why in its note).
        values = [record["value"] for record in records if record["value"] is not None]
        unit = records[0]["unit"]
        judged = [record for record in records if "met" in record]
        target = judged[0]["target"] if judged else ""
        met = f"{sum(1 for record in judged if record['met'])} of {len(judged)} runs" if judged else ""
        if not values:
            print(f"| {key[1]} | not measured | | | {target} | {met} |")
            continue
        print(f"| {key[1]} | {readable(min(values))} {unit} | {readable(statistics.median(values))} {unit} "
              f"| {readable(max(values))} {unit} | {target} | {met} |")
    print()
    print(f"{options.runs} runs; load average (1 min) before each: {', '.join(loads)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
