#!/usr/bin/env python3
"""The structured call of regspec-bench's reference-compute benchmark, done in PyTorch on CPU.

Base weighted NLL plus 0.1 * sum of squares + 0.05 * KL(k3) to a reference + 0.5 * variance,
differentiated with autograd over the same B x T shapes, the way the checklist's Python
implementation does it: one leaf tensor per datum, sum the weighted losses, backward, read
-grad as the weights. Always one torch thread.

    python3 bench/compare_torch.py [--swift bench-results.json] [--quick]
    python3 bench/compare_torch.py --serve

With --serve it answers one request per line on stdin, "DATUMS TOKENS REPETITIONS", with one
JSON line: {"datums", "tokens", "seconds"} (the median of the repetitions), or {"error"}.
regspec-bench uses this to time PyTorch between its own timings of the same size, so both
see the same machine load; it starts with a {"torch": version} line.
"""
import argparse
import json
import sys
import time


def make_call(torch, datums, tokens, generator):
    logprobs = [-0.01 - 5 * torch.rand(tokens, dtype=torch.float64, generator=generator) for _ in range(datums)]
    weights = [torch.rand(tokens, dtype=torch.float64, generator=generator) for _ in range(datums)]
    reference = [lp + 0.1 * (torch.rand(tokens, dtype=torch.float64, generator=generator) - 0.5) for lp in logprobs]

    def call():
        leaves = [lp.clone().requires_grad_(True) for lp in logprobs]
        flat = torch.cat(leaves)
        nll = -sum((w * lp).sum() for w, lp in zip(weights, leaves))
        squares = (flat ** 2).sum()
        ratio = torch.cat(reference) - flat
        kl = (ratio.exp() - 1 - ratio).mean()
        variance = ((flat - flat.mean()) ** 2).mean()
        total = nll + 0.1 * squares + 0.05 * kl + 0.5 * variance
        total.backward()
        sent = [(-leaf.grad).to(torch.float32) for leaf in leaves]
        return float(total.detach()), sent

    return call


def median_seconds(call, repetitions):
    timings = []
    for _ in range(max(1, repetitions)):
        start = time.perf_counter()
        call()
        timings.append(time.perf_counter() - start)
    timings.sort()
    return timings[len(timings) // 2]


def serve(torch):
    generator = torch.Generator().manual_seed(0)
    calls = {}
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        try:
            datums, tokens, repetitions = (int(field) for field in line.split())
            if (datums, tokens) not in calls:
                calls[(datums, tokens)] = make_call(torch, datums, tokens, generator)
                calls[(datums, tokens)]()  # warm-up
            seconds = median_seconds(calls[(datums, tokens)], repetitions)
            print(json.dumps({"datums": datums, "tokens": tokens, "seconds": seconds}), flush=True)
        except Exception as error:  # the request was malformed; say so and keep serving
            print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swift", help="regspec-bench --output JSON to compare with")
    parser.add_argument("--quick", action="store_true", help="the smaller sizes only")
    parser.add_argument("--serve", action="store_true", help="time sizes asked for on stdin (used by regspec-bench)")
    args = parser.parse_args()
    try:
        import torch
    except ImportError as error:
        if args.serve:
            print(json.dumps({"error": f"torch is not importable: {error}"}), flush=True)
            return 1
        print("PyTorch is not installed (pip install torch); nothing to compare.")
        return 0
    torch.set_num_threads(1)
    if args.serve:
        return serve(torch)
    sizes = [(1, 16), (4, 256)] if args.quick else [(1, 16), (4, 256), (16, 1024), (64, 4096)]
    swift = {}
    if args.swift:
        for record in json.load(open(args.swift)):
            if record["name"].endswith(": forwardBackwardCustom"):
                swift[record["name"].split(":")[0]] = record["value"]
    generator = torch.Generator().manual_seed(0)
    print(f"PyTorch {torch.__version__}, 1 thread")
    for datums, tokens in sizes:
        call = make_call(torch, datums, tokens, generator)
        repetitions = max(3, min(200, 2_000_000 // (datums * tokens)))
        per_logprob = median_seconds(call, repetitions) / (datums * tokens) * 1e9
        label = f"{datums} x {tokens}"
        line = f"{label:>10}: {per_logprob:10.1f} ns/logprob"
        if label in swift:
            line += f"   Swift / PyTorch = {swift[label] / per_logprob:.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
