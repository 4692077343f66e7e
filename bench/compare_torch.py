#!/usr/bin/env python3
"""The structured call of regspec-bench's reference-compute benchmark, done in PyTorch on CPU.

Base weighted NLL plus 0.1 * sum of squares + 0.05 * KL(k3) to a reference + 0.5 * variance,
in three ways over the same B x T shapes, so a comparison shows what each costs:

  bench     autograd the way the checklist's Python implementation does it: one leaf tensor
            per datum, a Python loop over the datums for the NLL, backward, read -grad as the
            weights;
  flat      autograd over one [B, T] leaf: no Python loop over datums;
  analytic  no autograd: the hand-derived gradient the Swift reference's fused kernels use,
            written as whole-tensor torch operations.

Each returns the loss and the float32 weights -g. Always one torch thread.

    python3 bench/compare_torch.py [--swift bench-results.json] [--quick]
    python3 bench/compare_torch.py --serve

With --serve it answers one request per line on stdin, "DATUMS TOKENS REPETITIONS [VARIANT]"
(VARIANT bench, flat or analytic; default bench), with one JSON line: {"datums", "tokens",
"variant", "seconds"} (the median of the repetitions), or {"error"}.
regspec-bench uses this to time PyTorch between its own timings of the same size, so both
see the same machine load; it starts with a {"torch": version} line.
"""
import argparse
import json
import sys
import time


VARIANTS = ("bench", "flat", "analytic")


def make_call(torch, datums, tokens, generator, variant="bench"):
    logprobs = [-0.01 - 5 * torch.rand(tokens, dtype=torch.float64, generator=generator) for _ in range(datums)]
    weights = [torch.rand(tokens, dtype=torch.float64, generator=generator) for _ in range(datums)]
    reference = [lp + 0.1 * (torch.rand(tokens, dtype=torch.float64, generator=generator) - 0.5) for lp in logprobs]
    if variant == "flat":
        return flat_call(torch, torch.stack(logprobs), torch.stack(weights), torch.stack(reference))
    if variant == "analytic":
        return analytic_call(torch, torch.stack(logprobs), torch.stack(weights), torch.stack(reference))
    if variant != "bench":
        raise ValueError(f"unknown variant {variant!r}; variants: {', '.join(VARIANTS)}")

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


def flat_call(torch, logprobs, weights, reference):
    """The same loss by autograd over one [B, T] leaf: whole-tensor operations only."""

    def call():
        leaf = logprobs.clone().requires_grad_(True)
        nll = -(weights * leaf).sum()
        squares = (leaf ** 2).sum()
        ratio = reference - leaf
        kl = (ratio.exp() - 1 - ratio).mean()
        variance = ((leaf - leaf.mean()) ** 2).mean()
        total = nll + 0.1 * squares + 0.05 * kl + 0.5 * variance
        total.backward()
        return float(total.detach()), (-leaf.grad).to(torch.float32)

    return call


def analytic_call(torch, logprobs, weights, reference):
    """The same loss and its hand-derived gradient, without autograd:
    g = -w + 0.2 lp - 0.05 (exp(ref - lp) - 1) / N + (lp - mean) / N."""
    count = logprobs.numel()

    def call():
        with torch.no_grad():
            ratio = reference - logprobs
            exp_ratio = ratio.exp()
            mean = logprobs.mean()
            deviation = logprobs - mean
            total = (-(weights * logprobs).sum() + 0.1 * (logprobs * logprobs).sum()
                     + 0.05 * (exp_ratio - 1 - ratio).mean() + 0.5 * (deviation * deviation).mean())
            gradient = 0.2 * logprobs - weights - (0.05 / count) * (exp_ratio - 1) + deviation / count
            if not bool(torch.isfinite(gradient).all()):
                raise ValueError("non-finite gradient")
            return float(total), (-gradient).to(torch.float32)

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
            fields = line.split()
            datums, tokens, repetitions = (int(field) for field in fields[:3])
            variant = fields[3] if len(fields) > 3 else "bench"
            key = (datums, tokens, variant)
            if key not in calls:
                calls[key] = make_call(torch, datums, tokens, generator, variant)
                calls[key]()  # warm-up
            seconds = median_seconds(calls[key], repetitions)
            print(json.dumps({"datums": datums, "tokens": tokens, "variant": variant, "seconds": seconds}), flush=True)
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
        repetitions = max(3, min(200, 2_000_000 // (datums * tokens)))
        label = f"{datums} x {tokens}"
        for variant in VARIANTS:
            call = make_call(torch, datums, tokens, generator, variant)
            call()  # warm-up
            per_logprob = median_seconds(call, repetitions) / (datums * tokens) * 1e9
            line = f"{label:>10} {variant:>8}: {per_logprob:10.1f} ns/logprob"
            if label in swift:
                line += f"   Swift / PyTorch {variant} = {swift[label] / per_logprob:.2f}"
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
