#!/usr/bin/env python3
"""Independent oracle for the RegSpec conformance cases.

Recomputes, with numpy and hand-derived (analytic) gradients, every number a
spec case states, and predicts the error a failing call must report. It shares
no code with any engine: it reads the spec files, implements the fn catalogue
(docs/catalogue.md) and composes the results as the semantics say.

Modes:
    oracle.py check [PATH ...]         recompute every case and compare (default: specs/)
    oracle.py show FILE CASE_ID        print the computed expectation as YAML
    oracle.py update FILE [--case ID]  write the computed expectations into the file in place
    oracle.py selftest                 analytic gradients vs central finite differences
    oracle.py coverage [PATH ...]      cases per checklist item and rule id
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import yaml

np.seterr(all="ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

CATALOGUE = {
    # name: the parameters it accepts beyond the common options
    "sum": set(),
    "mean": set(),
    "mean_of_means": set(),
    "sum_of_squares": set(),
    "variance": set(),
    "weighted_nll": {"normalize"},
    "kl_to_reference": {"estimator"},
    "dpo": {"beta"},
    "reverse_kl_topk": set(),
    "sqrt_neg_sum": set(),
    "constant": {"value"},
    "raises": {"message"},
    "non_scalar": set(),
    "bad_metrics": {"type"},
}
COMMON_OPTIONS = {"name", "async", "delay_ms", "scale", "datums", "metrics"}
REGULARIZER_KEYS = {"name", "weight", "fn"}

# Plain scalars that YAML 1.1 reads as booleans or nulls; always quoted on output.
YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}

DEFAULT_TOLERANCE = {"rtol": 1.0e-5, "atol": 1.0e-6, "equal_nan": False}


class CaseError(Exception):
    """The case itself is malformed (not something an engine would report)."""


class FnFailure(Exception):
    """A catalogue fn raised (loss_fn_failed)."""


# --------------------------------------------------------------------------
# Loading


@dataclass
class Datum:
    tokens: list
    shape: tuple | None  # shape of target_tokens, None when the datum has none
    weights: np.ndarray | None  # flat float64
    inputs: dict  # name -> flat float64 array
    logprobs: np.ndarray  # flat float64

    @property
    def has_targets(self) -> bool:
        return self.shape is not None


def _flatten(value) -> tuple[list, tuple]:
    """Flattens a flat or nested (rectangular) list; returns the items and the shape."""
    if not isinstance(value, list):
        raise CaseError(f"expected a list, got {value!r}")
    if not value or not isinstance(value[0], list):
        for v in value:
            if isinstance(v, list):
                raise CaseError(f"ragged list {value!r}")
        return list(value), (len(value),)
    rows = []
    inner = None
    for row in value:
        items, shape = _flatten(row)
        if inner is None:
            inner = shape
        elif shape != inner:
            raise CaseError(f"ragged nested list {value!r}")
        rows.extend(items)
    return rows, (len(value),) + inner


def _floats(items) -> np.ndarray:
    out = []
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise CaseError(f"not a number: {v!r}")
        out.append(float(v))
    return np.array(out, dtype=np.float64)


def parse_datum(raw: dict, where: str) -> Datum:
    if not isinstance(raw, dict):
        raise CaseError(f"{where}: a datum must be a mapping")
    tokens = raw.get("tokens")
    shape = None
    weights = None
    inputs: dict = {}
    if "model_input" in raw:
        if tokens is not None:
            raise CaseError(f"{where}: both tokens and model_input")
        tokens = []
        for chunk in raw["model_input"].get("chunks", []):
            tokens.extend(chunk.get("tokens", []))
    for name, tensor in (raw.get("loss_fn_inputs") or {}).items():
        items, natural = _flatten(tensor["data"])
        shp = tuple(tensor.get("shape") or natural)
        if int(np.prod(shp)) != len(items):
            raise CaseError(f"{where}: {name} data does not fill its shape {shp}")
        if name == "target_tokens":
            if "targets" in raw:
                raise CaseError(f"{where}: target_tokens given twice")
            shape = shp
        elif name == "weights":
            if "weights" in raw:
                raise CaseError(f"{where}: weights given twice")
            weights = _floats(items)
        else:
            if name in (raw.get("inputs") or {}):
                raise CaseError(f"{where}: {name} given twice")
            inputs[name] = _floats(items)
    if "targets" in raw:
        _, shape = _flatten(raw["targets"])
    if "weights" in raw:
        items, _ = _flatten(raw["weights"])
        weights = _floats(items)
    for name, values in (raw.get("inputs") or {}).items():
        items, _ = _flatten(values)
        inputs[name] = _floats(items)
    if "logprobs" not in raw:
        raise CaseError(f"{where}: no logprobs")
    items, _ = _flatten(raw["logprobs"]) if raw["logprobs"] else ([], (0,))
    logprobs = _floats(items)
    n = int(np.prod(shape)) if shape is not None else 0
    if len(logprobs) != n:
        raise CaseError(f"{where}: {len(logprobs)} logprobs for {n} targets")
    if shape is None:
        return Datum(tokens=list(tokens or []), shape=None, weights=weights, inputs=inputs, logprobs=logprobs)
    if weights is not None and len(weights) != n:
        raise CaseError(f"{where}: {len(weights)} weights for {n} targets")
    for name, arr in inputs.items():
        if len(arr) != n:
            raise CaseError(f"{where}: {len(arr)} {name} for {n} targets")
    return Datum(tokens=list(tokens or []), shape=shape, weights=weights, inputs=inputs, logprobs=logprobs)


def fixtures_dir(spec_path: str) -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(spec_path))), "fixtures")


def load_data(raw, spec_path: str, where: str) -> list[Datum]:
    if isinstance(raw, dict) and "fixture" in raw:
        path = os.path.join(fixtures_dir(spec_path), raw["fixture"])
        with open(path) as f:
            doc = yaml.safe_load(f)
        raw = doc["data"]
        where = f"{where} (fixture {raw_name(path)})"
    if not isinstance(raw, list):
        raise CaseError(f"{where}: data must be a list or {{fixture: PATH}}")
    return [parse_datum(d, f"{where} datum {i}") for i, d in enumerate(raw)]


def raw_name(path: str) -> str:
    return os.path.relpath(path, REPO)


def load_spec(path: str) -> dict:
    with open(path) as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or "cases" not in doc:
        raise CaseError(f"{path}: not a spec file")
    return doc


# --------------------------------------------------------------------------
# The catalogue, with analytic gradients


@dataclass
class FnSpec:
    name: str
    is_async: bool = False
    delay_ms: float = 0.0
    scale: float = 1.0
    datums: list | None = None
    metrics: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)


def parse_fn(raw) -> FnSpec | None:
    """A catalogue reference, or None when `raw` is not one."""
    if isinstance(raw, str):
        return FnSpec(raw) if raw in CATALOGUE else None
    if not isinstance(raw, dict) or raw.get("name") not in CATALOGUE:
        return None
    name = raw["name"]
    unknown = set(raw) - COMMON_OPTIONS - CATALOGUE[name]
    if unknown:
        raise CaseError(f"fn {name}: unknown options {sorted(unknown)}")
    return FnSpec(
        name=name,
        is_async=bool(raw.get("async", False)),
        delay_ms=float(raw.get("delay_ms", 0) or 0),
        scale=float(raw.get("scale", 1.0)),
        datums=list(raw["datums"]) if raw.get("datums") is not None else None,
        metrics=dict(raw.get("metrics") or {}),
        params={k: raw[k] for k in CATALOGUE[name] if k in raw},
    )


@dataclass
class FnOutput:
    loss: Any  # float, or np.ndarray for non_scalar
    grads: dict  # datum index -> flat gradient (float64), only reached datums
    metrics: dict  # own metrics, before the verbatim ones
    reached: set


def _selection(fn: FnSpec, data: list[Datum]) -> list[int]:
    sel = list(range(len(data))) if fn.datums is None else list(fn.datums)
    for j in sel:
        if isinstance(j, bool) or not isinstance(j, int) or not 0 <= j < len(data):
            raise CaseError(f"fn {fn.name}: datum index {j!r} out of range")
    return sel


def _add(grads: dict, j: int, g: np.ndarray) -> None:
    # Keeps the dtype: float64 normally, float32 in the float32-arithmetic check.
    grads[j] = grads[j] + g if j in grads else np.array(g, copy=True)


def _need(d: Datum, j: int, what: str) -> np.ndarray:
    if what == "weights":
        if d.weights is None:
            raise FnFailure(f"datum {j} has no weights")
        return d.weights
    if what not in d.inputs:
        raise FnFailure(f"datum {j} has no {what}")
    return d.inputs[what]


def compute_fn(fn: FnSpec, data: list[Datum], lps: list[np.ndarray]) -> FnOutput:
    """The loss before `scale`, its gradient, and the entry's own metrics."""
    sel = _selection(fn, data)
    name = fn.name
    grads: dict = {}
    metrics: dict = {}
    reached = set(sel)
    if name == "raises":
        raise FnFailure(str(fn.params.get("message", "regularizer failed")))
    if name == "constant":
        v = fn.params.get("value", 1.0)
        return FnOutput(float(v), {}, {}, set())
    allx = np.concatenate([lps[j] for j in sel]) if sel else np.zeros(0)
    n = allx.size
    if name in ("sum", "bad_metrics"):
        loss = float(np.sum(allx))
        for j in sel:
            _add(grads, j, np.ones_like(lps[j]))
        if name == "bad_metrics":
            kind = fn.params.get("type", "string")
            metrics["bad"] = {"string": "bad", "list": [1.0, 2.0], "none": None, "tensor": np.array([1.0, 2.0])}[kind]
    elif name == "non_scalar":
        loss = allx.copy()
        for j in sel:
            _add(grads, j, np.ones_like(lps[j]))
    elif name == "mean":
        if n == 0:
            raise FnFailure("mean of no elements")
        loss = float(np.sum(allx) / n)
        for j in sel:
            _add(grads, j, np.full_like(lps[j], 1.0 / n))
    elif name == "mean_of_means":
        if not sel:
            raise FnFailure("mean of no datums")
        total = 0.0
        for j in sel:
            nj = lps[j].size
            if nj == 0:
                raise FnFailure(f"datum {j} has no logprobs")
            total += float(np.sum(lps[j]) / nj)
            _add(grads, j, np.full_like(lps[j], 1.0 / (len(sel) * nj)))
        loss = total / len(sel)
    elif name == "sum_of_squares":
        loss = float(np.sum(allx * allx))
        for j in sel:
            _add(grads, j, 2.0 * lps[j])
    elif name == "sqrt_neg_sum":
        # sqrt(-s), s = sum of the selected elements; d/dlp = -1 / (2 sqrt(-s)), infinite at s = 0
        root = np.sqrt(-np.float64(np.sum(allx)))
        loss = float(root)
        for j in sel:
            _add(grads, j, np.full_like(lps[j], -1.0 / (2.0 * root)))
    elif name == "variance":
        if n == 0:
            raise FnFailure("variance of no elements")
        mu = float(np.sum(allx) / n)
        loss = float(np.sum((allx - mu) ** 2) / n)
        # d/dx_k mean((x - mu)^2) = 2 (x_k - mu) / n  (the mu-terms cancel since sum(x - mu) = 0)
        for j in sel:
            _add(grads, j, 2.0 * (lps[j] - mu) / n)
    elif name == "weighted_nll":
        num = 0.0
        z = 0.0
        for j in sel:
            w = _need(data[j], j, "weights")
            num += float(np.sum(w * lps[j]))
            z += float(np.sum(w))
        normalize = bool(fn.params.get("normalize", False))
        denom = z if normalize else 1.0
        with np.errstate(all="ignore"):
            loss = -num / denom if denom != 0 else float("nan")
        for j in sel:
            w = data[j].weights
            with np.errstate(all="ignore"):
                _add(grads, j, -w / denom if denom != 0 else np.full_like(w, np.nan))
    elif name == "kl_to_reference":
        est = fn.params.get("estimator", "k3")
        if n == 0:
            raise FnFailure("kl of no elements")
        parts = []
        for j in sel:
            ref = _need(data[j], j, "ref_logprobs")
            parts.append(ref - lps[j])
        r = np.concatenate(parts)
        if est == "k1":
            loss = float(np.mean(-r))
        elif est == "k2":
            loss = float(np.mean(r * r / 2.0))
        elif est == "k3":
            loss = float(np.mean(np.exp(r) - 1.0 - r))
        else:
            raise CaseError(f"kl_to_reference: unknown estimator {est!r}")
        for j in sel:
            rj = data[j].inputs["ref_logprobs"] - lps[j]
            # dr/dlp = -1
            if est == "k1":
                g = np.full_like(rj, 1.0 / n)
            elif est == "k2":
                g = -rj / n
            else:
                g = (1.0 - np.exp(rj)) / n
            _add(grads, j, g)
        metrics[f"kl/{est}"] = loss
    elif name == "dpo":
        beta = float(fn.params.get("beta", 0.1))
        if len(sel) % 2 != 0 or not sel:
            raise FnFailure("dpo needs (chosen, rejected) pairs")
        pairs = [(sel[i], sel[i + 1]) for i in range(0, len(sel), 2)]

        def summed(j):
            d = data[j]
            ref = _need(d, j, "ref_logprobs")
            w = d.weights if d.weights is not None else np.ones_like(lps[j])
            return float(np.sum(w * lps[j])), float(np.sum(w * ref)), w

        ms, cr, rr = [], [], []
        terms = []
        for cj, rj in pairs:
            c, c_ref, wc = summed(cj)
            r, r_ref, wr = summed(rj)
            m = beta * ((c - c_ref) - (r - r_ref))
            ms.append(m)
            cr.append(beta * (c - c_ref))
            rr.append(beta * (r - r_ref))
            terms.append((cj, rj, wc, wr, m))
        k = len(pairs)
        # -log sigmoid(m) = log(1 + exp(-m)) = logaddexp(0, -m)
        loss = float(np.mean([np.logaddexp(0.0, -m) for m in ms]))
        for cj, rj, wc, wr, m in terms:
            # d/dm (-log sigmoid(m)) = -(1 - sigmoid(m)) = -sigmoid(-m)
            dm = -_sigmoid(-m) / k
            _add(grads, cj, dm * beta * wc)
            _add(grads, rj, -dm * beta * wr)
        metrics["dpo_loss"] = loss
        metrics["accuracy"] = float(np.mean([1.0 if m > 0 else 0.0 for m in ms]))
        metrics["margin"] = float(np.mean(ms))
        metrics["chosen_reward"] = float(np.mean(cr))
        metrics["rejected_reward"] = float(np.mean(rr))
    elif name == "reverse_kl_topk":
        total = 0.0
        rows = 0
        parts = {}
        for j in sel:
            d = data[j]
            if d.shape is None or len(d.shape) != 2:
                raise FnFailure(f"datum {j}: reverse_kl_topk needs [T, K] targets")
            w = _need(d, j, "weights")
            if np.any(w <= 0):
                raise FnFailure(f"datum {j}: teacher probabilities must be > 0")
            p = np.exp(lps[j])
            total += float(np.sum(p * (lps[j] - np.log(w))))
            rows += d.shape[0]
            parts[j] = (p, w)
        if rows == 0:
            raise FnFailure("no positions")
        loss = total / rows
        for j in sel:
            p, w = parts[j]
            # d/dlp [exp(lp) (lp - log w)] = exp(lp) (lp - log w + 1)
            _add(grads, j, p * (lps[j] - np.log(w) + 1.0) / rows)
        metrics["sdft/reverse_kl_mean"] = loss
    else:
        raise CaseError(f"unknown catalogue fn {name!r}")
    return FnOutput(loss, grads, metrics, reached)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# --------------------------------------------------------------------------
# Evaluating a call


@dataclass
class Prediction:
    error: dict | None = None  # {kind, label, message}
    requests: dict = field(default_factory=dict)
    metrics: dict | None = None
    gradient: list | None = None  # per datum, nested like targets
    # For telemetry: each fn that finished, by label, as (value, contribution or None),
    # and the call's loss_total (in legacy mode the loss_fn's value).
    fn_values: dict = field(default_factory=dict)
    loss_total: float | None = None


class CallError(Exception):
    def __init__(self, kind: str, message: str, label: str | None = None, stage: str = "eval"):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.label = label
        self.stage = stage


def _is_real(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def validate(call: dict, data: list[Datum]) -> tuple[FnSpec | None, list]:
    loss_fn = call.get("loss_fn")
    regs = call.get("regularizers") or []
    if loss_fn is None and not regs:
        raise CallError("missing_loss", "forward_backward_custom needs a loss_fn or a non-empty regularizers list", stage="validation")
    base = None
    if loss_fn is not None:
        base = parse_fn(loss_fn)
        if base is None:
            raise CaseError(f"loss_fn {loss_fn!r} is not a catalogue fn")
    if not isinstance(regs, list):
        raise CaseError("regularizers must be a list")
    seen = set()
    typed = []
    for i, entry in enumerate(regs):
        def bad(problem, name=None):
            who = f"regularizers[{i}] ('{name}')" if name else f"regularizers[{i}]"
            return CallError("invalid_regularizer", f"{who}: {problem}", label=name, stage="validation")

        if not isinstance(entry, dict):
            raise bad("is not a mapping")
        if "name" not in entry:
            raise bad("'name' is missing")
        name = entry["name"]
        if not isinstance(name, str):
            raise bad(f"'name' is {name!r}, not a string")
        if name == "":
            raise bad("'name' is empty")
        if name in seen:
            raise bad(f"the name '{name}' is repeated", name)
        if "weight" not in entry:
            raise bad("'weight' is missing", name)
        w = entry["weight"]
        if not _is_real(w):
            raise bad(f"'weight' is {w!r}, not a real number", name)
        if not math.isfinite(float(w)):
            raise bad(f"'weight' is {w!r}, not finite", name)
        if "fn" not in entry:
            raise bad("'fn' is missing", name)
        fn = parse_fn(entry["fn"])
        if fn is None:
            raise bad(f"'fn' is {entry['fn']!r}, not callable", name)
        unknown = sorted(set(entry) - REGULARIZER_KEYS)
        if unknown:
            raise bad(f"unknown keys {unknown}", name)
        seen.add(name)
        typed.append((name, w, fn))
    if not data:
        raise CallError("empty_data", "No data provided", stage="validation")
    for j, d in enumerate(data):
        if not d.has_targets:
            raise CallError("missing_target_tokens", f"datum {j} has no loss_fn_inputs.target_tokens", stage="validation")
    return base, typed


def _custom_metrics(label: str, fn: FnSpec, own: dict, loss_value: float) -> dict:
    merged = dict(own)
    for k, v in fn.metrics.items():
        merged[k] = loss_value if v == "$loss" else v
    out = {}
    for k, v in merged.items():
        if not isinstance(k, str):
            raise CallError("invalid_metrics", f"{label} returned a metric key {k!r}", label)
        if isinstance(v, bool):
            out[k] = 1.0 if v else 0.0
        elif isinstance(v, (int, float)):
            out[k] = float(v)
        else:
            raise CallError("invalid_metrics", f"{label} returned metric '{k}' of type {type(v).__name__}", label)
    return out


@dataclass
class Evaluated:
    value: float
    grads: dict
    reached: set
    custom: dict


def evaluate_fn(label: str, fn: FnSpec, data, lps, structured: bool, timeout_ms, weight=None) -> Evaluated:
    if fn.is_async and timeout_ms is not None and fn.delay_ms > timeout_ms:
        raise CallError("timeout", f"{label} did not finish within {timeout_ms} ms and was cancelled", label)
    try:
        out = compute_fn(fn, data, lps)
    except FnFailure as e:
        raise CallError("loss_fn_failed", f"{label} raised: {e}", label) from None
    loss = out.loss
    if isinstance(loss, np.ndarray):
        if loss.size != 1:
            raise CallError("non_scalar_loss", f"{label} returned a loss with {loss.size} elements, not one", label)
        loss = float(loss.reshape(()))
    scale = fn.scale
    with np.errstate(all="ignore"):
        value = float(loss) * scale
        grads = {j: g * scale for j, g in out.grads.items()}
    if structured and not math.isfinite(value):
        raise CallError("non_finite_loss", f"{label} returned a non-finite loss ({value})", label)
    if structured and weight is not None and weight != 0 and not math.isfinite(float(weight) * value):
        raise CallError("non_finite_loss", f"{label}'s contribution {weight} * {value} overflows", label)
    custom = _custom_metrics(label, fn, out.metrics, value)
    return Evaluated(value, grads, out.reached, custom)


def _norm(grads: dict, data) -> float:
    s = 0.0
    for j in range(len(data)):
        if j in grads:
            s += float(np.sum(grads[j] * grads[j]))
    return math.sqrt(s)


def _shape_like(flat: np.ndarray, d: Datum):
    arr = np.asarray(flat, dtype=np.float64).reshape(d.shape)
    return (arr + 0.0).tolist()  # + 0.0 turns -0.0 into 0.0


def _backend_loss_sum(data, lps, g) -> float:
    total = 0.0
    with np.errstate(all="ignore"):
        for j in range(len(data)):
            sent = (-g[j]).astype(np.float32).astype(np.float64)
            total += float(np.sum(-sent * lps[j]))
    return total


def _check_overflow(base_ev, reg_ev, g) -> None:
    """Structured mode, after every fn: the totals, then g and float32(-g), must be finite."""
    reg_total = 0.0
    for _, w, ev in reg_ev:
        reg_total += 0.0 if w == 0 else float(w) * ev.value
    if not math.isfinite(reg_total):
        raise CallError("non_finite_loss", f"regularizer_total overflows to {reg_total}", "loss_total")
    loss_total = (base_ev.value if base_ev else 0.0) + reg_total
    if not math.isfinite(loss_total):
        raise CallError("non_finite_loss", f"loss_total overflows to {loss_total}", "loss_total")
    contributors = ([("loss_fn", base_ev)] if base_ev else []) + [(name, ev) for name, w, ev in reg_ev if w != 0]
    for j, gj in enumerate(g):
        flat = np.asarray(gj, dtype=np.float64).reshape(-1)
        with np.errstate(all="ignore"):
            sent = (-flat).astype(np.float32)
        for k in range(flat.size):
            if math.isfinite(flat[k]) and math.isfinite(float(sent[k])):
                continue
            if not math.isfinite(flat[k]):
                own = [label for label, ev in contributors if j in ev.grads and not math.isfinite(float(ev.grads[j].reshape(-1)[k]))]
                culprit = own[0] if len(own) == 1 else None
                raise CallError("non_finite_gradient", f"d(loss_total)/d(logprobs) is {flat[k]} at datum {j}, element {k}", culprit)
            raise CallError(
                "non_finite_gradient", f"d(loss_total)/d(logprobs) is {flat[k]} at datum {j}, element {k}, beyond float32's range", None
            )


def predict(call: dict, data: list[Datum]) -> Prediction:
    try:
        base, regs = validate(call, data)
    except CallError as e:
        return Prediction(error={"kind": e.kind, "label": e.label, "message": e.message}, requests={"forward": 0, "backward": 0})
    structured = bool(regs)
    options = call.get("options") or {}
    timeout_ms = options.get("timeout_ms")
    track = bool(options.get("track_grad_norms", False))
    lps = [d.logprobs for d in data]
    fn_values: dict = {}
    try:
        base_ev = evaluate_fn("loss_fn", base, data, lps, structured, timeout_ms) if base else None
        if base_ev:
            fn_values["loss_fn"] = (base_ev.value, None)
        reg_ev = []
        for name, w, fn in regs:
            ev = evaluate_fn(name, fn, data, lps, structured, timeout_ms, w)
            fn_values[name] = (ev.value, 0.0 if w == 0 else float(w) * ev.value)
            reg_ev.append((name, w, ev))
        if not structured:
            if not base_ev.reached:
                raise CallError("no_gradient", "No gradient computed for logprob tensor 0 (the loss is a constant)")
            for j in range(len(data)):
                if j not in base_ev.reached:
                    raise CallError("no_gradient", f"No gradient computed for logprob tensor {j}")
    except CallError as e:
        return Prediction(
            error={"kind": e.kind, "label": e.label, "message": e.message}, requests={"forward": 1, "backward": 0},
            fn_values=fn_values,
        )

    g = [np.zeros_like(lp) for lp in lps]
    with np.errstate(all="ignore"):
        if base_ev:
            for j, gj in base_ev.grads.items():
                g[j] = g[j] + gj
        for _, w, ev in reg_ev:
            if w == 0:
                continue  # a zero weight adds nothing, not even 0 * inf
            for j, gj in ev.grads.items():
                g[j] = g[j] + float(w) * gj
    if structured:
        try:
            _check_overflow(base_ev, reg_ev, g)
        except CallError as e:
            return Prediction(error={"kind": e.kind, "label": e.label, "message": e.message}, requests={"forward": 1, "backward": 0})
    loss_sum = _backend_loss_sum(data, lps, g)
    if structured:
        metrics: dict = {}
        entries = {}
        reg_total = 0.0
        for name, w, ev in reg_ev:
            contribution = 0.0 if w == 0 else float(w) * ev.value
            reg_total += contribution
            entry = {"value": ev.value, "weight": w, "contribution": contribution, "custom": ev.custom}
            if track:
                gn = _norm(ev.grads, data)
                entry["grad_norm"] = gn
                entry["grad_norm_weighted"] = abs(float(w)) * gn
            entries[name] = entry
        base_value = base_ev.value if base_ev else 0.0
        metrics["loss_total"] = base_value + reg_total
        metrics["regularizers"] = entries
        metrics["regularizer_total"] = reg_total
        if base_ev:
            metrics["base_loss"] = {"value": base_ev.value, "custom": base_ev.custom}
            if track:
                metrics["base_loss"]["grad_norm"] = _norm(base_ev.grads, data)
        if track:
            metrics["total_grad_norm"] = _norm(dict(enumerate(g)), data)
        metrics["loss:sum"] = loss_sum
    else:
        metrics = {"loss:sum": loss_sum}
        metrics.update(base_ev.custom)
    return Prediction(
        metrics=metrics,
        gradient=[_shape_like(g[j], d) for j, d in enumerate(data)],
        requests={"forward": 1, "backward": 1},
        fn_values=fn_values,
        loss_total=metrics["loss_total"] if structured else base_ev.value,
    )


# --------------------------------------------------------------------------
# Comparing with a case


def _keys(path) -> list[str]:
    """A field path's keys: a list of keys as given, or a dotted string where `\\.` is a dot
    inside a key and `\\\\` a backslash (docs/spec-format.md, "Field paths")."""
    if isinstance(path, list):
        return [str(k) for k in path]
    keys, current, chars = [], "", iter(str(path))
    for c in chars:
        if c == "\\":
            current += next(chars, "")
        elif c == ".":
            keys.append(current)
            current = ""
        else:
            current += c
    return keys + [current]


def _tol_for(path, tol: dict) -> dict:
    base = {k: tol.get(k, DEFAULT_TOLERANCE[k]) for k in DEFAULT_TOLERANCE}
    keys = _keys(path)
    best = None
    for prefix, over in (tol.get("fields") or {}).items():
        pk = _keys(prefix)
        if keys[: len(pk)] == pk:
            if best is None or len(pk) > len(best[0]):
                best = (pk, over)
    if best:
        base.update(best[1])
    return base


def _close(expected, actual, t) -> bool:
    e, a = float(expected), float(actual)
    if math.isnan(e) or math.isnan(a):
        return bool(t["equal_nan"]) and math.isnan(e) and math.isnan(a)
    if math.isinf(e) or math.isinf(a):
        return e == a
    return abs(a - e) <= t["atol"] + t["rtol"] * abs(e)


def _fmt(x) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if math.isnan(x):
            return ".nan"
        if math.isinf(x):
            return ".inf" if x > 0 else "-.inf"
        x = x + 0.0
        r = repr(x)
        if "e" in r:
            mant, exp = r.split("e")
            if "." not in mant:
                mant += ".0"
            sign = exp[0] if exp[0] in "+-" else "+"
            digits = exp.lstrip("+-")
            r = f"{mant}e{sign}{digits}"
        return r
    if isinstance(x, str):
        if re.fullmatch(r"[a-z_][a-z0-9_]*", x) and x not in YAML11_WORDS:
            return x
        return json.dumps(x)
    return repr(x)


def compare_metrics(expected, actual, path: str, tol: dict, out: list) -> None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            out.append(f"{path}: expected a mapping, oracle {_fmt(actual) if actual is not None else 'nothing'}")
            return
        if _is_custom_map(path):
            # A custom map is compared whole (semantics 7): the keys the case lists are
            # exactly the metrics its fn reports.
            unlisted = sorted(set(actual) - set(expected))
            if unlisted:
                out.append(f"{path}: the fn reports {unlisted} too; a custom map lists every key")
        for k, v in expected.items():
            p = path + "." + str(k).replace("\\", "\\\\").replace(".", "\\.")
            if k not in actual:
                out.append(f"{p}: expected {_short(v)} oracle (absent)")
                continue
            compare_metrics(v, actual[k], p, tol, out)
        return
    if isinstance(actual, dict) or actual is None:
        out.append(f"{path}: expected {_short(expected)} oracle {'a mapping' if actual is not None else '(absent)'}")
        return
    if not _is_real(expected) and not isinstance(expected, bool):
        out.append(f"{path}: expected {expected!r} is not a number")
        return
    if not _close(expected, actual, _tol_for(path, tol)):
        out.append(f"{path} expected {_fmt(expected)} oracle {_fmt(actual)}")


def _is_custom_map(path: str) -> bool:
    """metrics.base_loss.custom or metrics.regularizers.NAME.custom (NAME escaped)."""
    keys = _keys(path)
    return (keys == ["metrics", "base_loss", "custom"]
            or (len(keys) == 4 and keys[:2] == ["metrics", "regularizers"] and keys[3] == "custom"))


def _short(v) -> str:
    if isinstance(v, (int, float)):
        return _fmt(v)
    return "a mapping" if isinstance(v, dict) else repr(v)


def compare_gradient(expected, actual, data, tol: dict, out: list) -> None:
    if not isinstance(expected, list) or len(expected) != len(actual):
        out.append(f"gradient: expected {len(expected) if isinstance(expected, list) else expected!r} datums, oracle {len(actual)}")
        return
    for j, (e, a) in enumerate(zip(expected, actual)):
        try:
            e_items, e_shape = _flatten(e) if e else ([], (0,))
        except CaseError as err:
            out.append(f"gradient[{j}]: {err}")
            continue
        a_items, a_shape = _flatten(a) if a else ([], (0,))
        if e_shape != a_shape:
            out.append(f"gradient[{j}]: expected shape {list(e_shape)} oracle shape {list(a_shape)}")
            continue
        # As the harness judges it: the weights travel as float32(-g), and the yardstick is the
        # expected gradient rounded the same way.
        for k, (ev, av) in enumerate(zip(e_items, a_items)):
            ev, av = float(np.float32(ev)), float(np.float32(av))
            if not _close(ev, av, _tol_for("gradient", tol)):
                idx = np.unravel_index(k, a_shape) if len(a_shape) > 1 else (k,)
                out.append(f"gradient[{j}]{list(int(i) for i in idx)} expected {_fmt(ev)} oracle {_fmt(av)}")


def _get_path(metrics: dict, path):
    cur = metrics
    for part in _keys(path):
        if not isinstance(cur, dict) or part not in cur:
            return None, False
        cur = cur[part]
    return cur, True


def merged_tolerance(spec: dict, case: dict) -> dict:
    tol = dict(DEFAULT_TOLERANCE)
    fields = {}
    for source in ((spec.get("defaults") or {}).get("tolerance") or {}, (case.get("expect") or {}).get("tolerance") or {}):
        for k, v in source.items():
            if k == "fields":
                fields.update(v)
            else:
                tol[k] = v
    tol["fields"] = fields
    return tol


def case_data(spec: dict, case: dict, spec_path: str) -> list[Datum]:
    """The case's data as resolved (semantics section 10): logprobs, weights and other
    inputs rounded to float32, held in float64. Expected values are exact on these."""
    raw = case.get("data", (spec.get("defaults") or {}).get("data"))
    if raw is None:
        raise CaseError("no data")
    return float32_data(load_data(raw, spec_path, case.get("id", "?")))


def float32_data(data: list[Datum]) -> list[Datum]:
    def r(a):
        with np.errstate(all="ignore"):
            return None if a is None else a.astype(np.float32).astype(np.float64)

    return [
        Datum(d.tokens, d.shape, r(d.weights), {k: r(v) for k, v in d.inputs.items()}, r(d.logprobs))
        for d in data
    ]


def float32_arithmetic_data(data: list[Datum]) -> list[Datum]:
    """The same values held as float32, so that numpy computes the fns in float32: a proxy
    for an engine that computes in float32, which the shipped suite must admit."""
    def r(a):
        return None if a is None else a.astype(np.float32)

    return [
        Datum(d.tokens, d.shape, r(d.weights), {k: r(v) for k, v in d.inputs.items()}, r(d.logprobs))
        for d in data
    ]


def compare_telemetry(expected: list, call: dict, pred: Prediction, tol: dict, out: list) -> None:
    """`expect.telemetry` against what the oracle derives (semantics section 12): none after a
    validation failure; the call's events first and last; under max_concurrency 1, after a
    success, the fns in list order; each stated value that of the fn or call it names."""
    regs = [r for r in (call.get("regularizers") or []) if isinstance(r, dict)]
    labels = (["loss_fn"] if call.get("loss_fn") is not None else []) + [r.get("name") for r in regs]
    if pred.error is not None and pred.requests.get("forward") == 0:
        if expected:
            out.append(f"telemetry: expected {len(expected)} events oracle none (the call fails validation)")
        return
    names = [e.get("event") for e in expected]
    end = "call_failed" if pred.error is not None else "call_stopped"
    if not names or names[0] != "call_started" or names[-1] != end:
        out.append(f"telemetry: expected {names} oracle call_started first and {end} last")
    if pred.error is None and (call.get("options") or {}).get("max_concurrency") == 1:
        order = [("call_started", None)] + [(ev, l) for l in labels for ev in ("fn_started", "fn_stopped")] + [("call_stopped", None)]
        stated = [(e.get("event"), e.get("label")) for e in expected]
        if stated != order:
            out.append(f"telemetry: expected {stated} oracle {order}")

    def close(path, want, have):
        if want is None or have is None:
            if want is not have:
                out.append(f"{path}: expected {_fmt(want) if want is not None else 'null'} oracle {_fmt(have) if have is not None else 'null'}")
        elif not _close(want, have, tol):
            out.append(f"{path}: expected {_fmt(want)} oracle {_fmt(have)}")

    for i, e in enumerate(expected):
        path, event, label = f"telemetry[{i}]", e.get("event"), e.get("label")
        if event == "call_started":
            if "mode" in e and e["mode"] != ("structured" if regs or call.get("regularizers") else "legacy"):
                out.append(f"{path}.mode: expected {e['mode']} oracle {'structured' if regs else 'legacy'}")
            if "fn_count" in e and e["fn_count"] != len(labels):
                out.append(f"{path}.fn_count: expected {e['fn_count']} oracle {len(labels)}")
        elif event == "fn_stopped" and label in pred.fn_values:
            value, contribution = pred.fn_values[label]
            if "value" in e:
                close(f"{path}.value", e["value"], value)
            if "contribution" in e:
                close(f"{path}.contribution", e["contribution"], contribution)
        elif event == "fn_failed" and pred.error is not None and label == pred.error["label"]:
            if "kind" in e and e["kind"] != pred.error["kind"]:
                out.append(f"{path}.kind: expected {e['kind']} oracle {pred.error['kind']}")
        elif event == "call_stopped" and "loss_total" in e and pred.loss_total is not None:
            close(f"{path}.loss_total", e["loss_total"], pred.loss_total)
        elif event == "call_failed" and pred.error is not None:
            for key in ("kind", "label"):
                if key in e and e[key] != pred.error[key]:
                    out.append(f"{path}.{key}: expected {e[key]} oracle {pred.error[key]}")


def check_case(spec: dict, case: dict, spec_path: str) -> list[str]:
    problems: list[str] = []
    data = case_data(spec, case, spec_path)
    call = case.get("call") or {}
    expect = case.get("expect") or {}
    pred = predict(call, data)
    if "error" in expect:
        exp_err = expect["error"] or {}
        if pred.error is None:
            problems.append(f"error.kind expected {exp_err.get('kind')} oracle (success)")
        else:
            if "kind" in exp_err and exp_err["kind"] != pred.error["kind"]:
                problems.append(f"error.kind expected {exp_err['kind']} oracle {pred.error['kind']}")
            if "label" in exp_err and exp_err["label"] != pred.error["label"]:
                problems.append(f"error.label expected {exp_err['label']} oracle {pred.error['label']}")
            if "message" in exp_err:
                try:
                    if not re.search(exp_err["message"], pred.error["message"]):
                        problems.append(
                            f"error.message expected /{exp_err['message']}/ oracle's message {pred.error['message']!r} does not match"
                        )
                except re.error as err:
                    problems.append(f"error.message: bad regular expression ({err})")
        if "requests" in expect and expect["requests"] != pred.requests:
            problems.append(f"requests expected {expect['requests']} oracle {pred.requests}")
        if "telemetry" in expect:
            compare_telemetry(expect["telemetry"] or [], call, pred, merged_tolerance(spec, case), problems)
        return problems
    if pred.error is not None:
        problems.append(f"expect expected success oracle error {pred.error['kind']} ({pred.error['message']})")
        return problems
    tol = merged_tolerance(spec, case)
    if "metrics" in expect:
        compare_metrics(expect["metrics"], pred.metrics, "metrics", tol, problems)
    for path in expect.get("absent") or []:
        _, present = _get_path(pred.metrics, path)
        if present:
            problems.append(f"absent.{path}: expected absent oracle present")
        _, pinned = _get_path(expect.get("metrics") or {}, path)
        if pinned:
            problems.append(f"absent.{path}: also pinned under metrics")
    if "gradient" in expect:
        compare_gradient(expect["gradient"], pred.gradient, data, tol, problems)
    if "requests" in expect and expect["requests"] != pred.requests:
        problems.append(f"requests expected {expect['requests']} oracle {pred.requests}")
    if "telemetry" in expect:
        compare_telemetry(expect["telemetry"] or [], call, pred, tol, problems)
    # A float32 engine must pass too, unless the case requires the capability float64.
    if not problems and "float64" not in (case.get("requires") or []):
        pred32 = predict(call, float32_arithmetic_data(data))
        p32: list[str] = []
        if pred32.error is not None:
            p32.append(f"expect expected success oracle error {pred32.error['kind']}")
        else:
            if "metrics" in expect:
                compare_metrics(expect["metrics"], pred32.metrics, "metrics", tol, p32)
            if "gradient" in expect:
                compare_gradient(expect["gradient"], pred32.gradient, data, tol, p32)
        problems.extend(f"[float32 arithmetic; add `requires: [float64]` if only float64 can pass] {p}" for p in p32)
    return problems


# --------------------------------------------------------------------------
# Output


def _key(k: str) -> str:
    return _fmt(k)


def _flow(v) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)}: {_flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(_flow(x) for x in v) + "]"
    if v is None:
        return "null"
    return _fmt(v)


def _drop_empty_custom(v):
    if isinstance(v, dict):
        return {k: _drop_empty_custom(x) for k, x in v.items() if not (k == "custom" and x == {})}
    return v


def render(pred: Prediction, indent: int = 0, full: bool = False) -> str:
    """The prediction as the YAML of an `expect:` block's content."""
    pad = " " * indent
    lines = []
    if pred.error is not None:
        err = {k: v for k, v in pred.error.items() if v is not None and k != "message"}
        lines.append(f"{pad}# the oracle's own wording, for a message pattern: {pred.error['message']}")
        lines.append(f"{pad}error: {_flow(err)}")
        lines.append(f"{pad}requests: {_flow(pred.requests)}")
        return "\n".join(lines) + "\n"
    metrics = _drop_empty_custom(pred.metrics)
    first = ["loss_total", "regularizer_total", "base_loss", "regularizers"]
    metrics = {**{k: metrics[k] for k in first if k in metrics}, **{k: v for k, v in metrics.items() if k not in first}}
    lines.append(f"{pad}metrics:")
    for k, v in metrics.items():
        if k == "loss:sum" and not full:
            continue
        if k == "regularizers" and isinstance(v, dict) and v:
            lines.append(f"{pad}  regularizers:")
            for name, entry in v.items():
                lines.append(f"{pad}    {_key(name)}: {_flow(entry)}")
        else:
            lines.append(f"{pad}  {_key(k)}: {_flow(v)}")
    lines.append(f"{pad}gradient:")
    for g in pred.gradient:
        lines.append(f"{pad}  - {_flow(g)}")
    lines.append(f"{pad}requests: {_flow(pred.requests)}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# Self-test: analytic gradients against central finite differences


def _numeric_grad(fn: FnSpec, data, lps, h=1e-6):
    out = []
    for j, lp in enumerate(lps):
        g = np.zeros_like(lp)
        for k in range(lp.size):
            plus = [x.copy() for x in lps]
            minus = [x.copy() for x in lps]
            plus[j][k] += h
            minus[j][k] -= h
            fp = float(np.sum(compute_fn(fn, data, plus).loss)) * fn.scale
            fm = float(np.sum(compute_fn(fn, data, minus).loss)) * fn.scale
            g[k] = (fp - fm) / (2 * h)
        out.append(g)
    return out


def _random_data(rng, n, multi=False):
    data = []
    for _ in range(n):
        if multi:
            t, k = int(rng.integers(1, 4)), int(rng.integers(2, 5))
            shape = (t, k)
            size = t * k
            lp = np.log(rng.dirichlet(np.ones(k + 2), size=t)[:, :k]).reshape(-1)
            w = rng.dirichlet(np.ones(k + 1), size=t)[:, :k].reshape(-1)
        else:
            size = int(rng.integers(1, 7))
            shape = (size,)
            lp = -rng.uniform(0.05, 4.0, size)
            w = rng.choice([0.0, 0.5, 1.0, 1.7], size)
        ref = lp + rng.normal(0, 0.4, size)
        data.append(Datum(list(range(size)), shape, w, {"ref_logprobs": ref}, lp))
    return data


def selftest() -> int:
    rng = np.random.default_rng(20240611)
    failures = 0
    checks = 0
    specs = []
    for name in ["sum", "mean", "mean_of_means", "sum_of_squares", "variance", "bad_metrics", "sqrt_neg_sum"]:
        specs.append((FnSpec(name), False))
        specs.append((FnSpec(name, scale=-0.37, datums=[2, 0]), False))
    for norm in (False, True):
        specs.append((FnSpec("weighted_nll", params={"normalize": norm}), False))
        specs.append((FnSpec("weighted_nll", params={"normalize": norm}, datums=[1, 3], scale=2.5), False))
    for est in ("k1", "k2", "k3"):
        specs.append((FnSpec("kl_to_reference", params={"estimator": est}), False))
        specs.append((FnSpec("kl_to_reference", params={"estimator": est}, datums=[3, 1], scale=0.2), False))
    for beta in (0.1, 0.5, 2.0):
        specs.append((FnSpec("dpo", params={"beta": beta}), False))
        specs.append((FnSpec("dpo", params={"beta": beta}, datums=[2, 3, 1, 0], scale=3.0), False))
    specs.append((FnSpec("reverse_kl_topk"), True))
    specs.append((FnSpec("reverse_kl_topk", datums=[1], scale=0.5), True))
    for fn, multi in specs:
        for trial in range(5):
            data = _random_data(rng, 4, multi)
            if fn.name == "weighted_nll":
                for d in data:  # keep the normalizer away from 0
                    d.weights = d.weights + 0.25
            lps = [d.logprobs for d in data]
            out = compute_fn(fn, data, lps)
            analytic = [out.grads.get(j, np.zeros_like(lp)) * fn.scale for j, lp in enumerate(lps)]
            numeric = _numeric_grad(fn, data, lps)
            checks += 1
            for j in range(len(lps)):
                if not np.allclose(analytic[j], numeric[j], rtol=1e-5, atol=1e-7):
                    failures += 1
                    print(f"FAIL {fn.name} {fn.params} datums={fn.datums} trial {trial} datum {j}:")
                    print(f"  analytic {analytic[j]}\n  numeric  {numeric[j]}")
                    break
            unreached = set(range(len(lps))) - out.reached
            for j in unreached:
                if np.any(numeric[j] != 0):
                    failures += 1
                    print(f"FAIL {fn.name}: datum {j} marked unreached but its numeric gradient is {numeric[j]}")
    # constant: reaches nothing
    data = _random_data(rng, 2)
    out = compute_fn(FnSpec("constant", params={"value": 2.5}), data, [d.logprobs for d in data])
    checks += 1
    if out.reached or out.loss != 2.5:
        failures += 1
        print("FAIL constant")
    # dpo loss against its definition, written independently
    data = _random_data(rng, 2)
    lps = [d.logprobs for d in data]
    out = compute_fn(FnSpec("dpo", params={"beta": 0.3}), data, lps)
    c = np.sum(data[0].weights * lps[0]) - np.sum(data[0].weights * data[0].inputs["ref_logprobs"])
    r = np.sum(data[1].weights * lps[1]) - np.sum(data[1].weights * data[1].inputs["ref_logprobs"])
    m = 0.3 * (c - r)
    checks += 1
    if not math.isclose(out.loss, -math.log(1 / (1 + math.exp(-m))), rel_tol=1e-12):
        failures += 1
        print("FAIL dpo loss")
    print(f"{checks - failures} passed, {failures} failed")
    return 1 if failures else 0


# --------------------------------------------------------------------------
# Coverage


def coverage_ids() -> tuple[list, list]:
    path = os.path.join(REPO, "docs", "coverage.md")
    with open(path) as f:
        text = f.read()
    checklist, rules = [], []
    section = None
    for line in text.splitlines():
        if line.startswith("## "):
            section = "checklist" if "Checklist" in line else "rules"
        m = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if m and section:
            (checklist if section == "checklist" else rules).append(m.group(1))
    return checklist, rules


def spec_files(paths: list[str]) -> list[str]:
    files = []
    for p in paths:
        if os.path.isdir(p):
            files.extend(sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith((".yaml", ".yml"))))
        else:
            files.append(p)
    return files


def cmd_coverage(paths: list[str]) -> int:
    checklist, rules = coverage_ids()
    counts = {("checklist", i): 0 for i in checklist}
    counts.update({("rules", i): 0 for i in rules})
    unknown = []
    for path in spec_files(paths):
        spec = load_spec(path)
        for case in spec["cases"]:
            for section in ("checklist", "rules"):
                for i in (case.get("covers") or {}).get(section) or []:
                    if (section, i) in counts:
                        counts[(section, i)] += 1
                    else:
                        unknown.append(f"{case['id']}: {section} {i}")
    missing = 0
    for (section, i), n in counts.items():
        print(f"{section:9s} {i:40s} {n}")
        missing += n == 0
    for u in unknown:
        print(f"unknown id: {u}")
    print(f"{len(counts) - missing} covered, {missing} uncovered")
    return 1 if missing or unknown else 0


def cmd_check(paths: list[str]) -> int:
    passed = failed = 0
    ids: dict = {}
    for path in spec_files(paths):
        rel = os.path.relpath(path)
        try:
            spec = load_spec(path)
        except (CaseError, yaml.YAMLError, OSError) as e:
            print(f"{rel}: {e}")
            failed += 1
            continue
        for case in spec["cases"]:
            cid = case.get("id", "?")
            try:
                problems = check_case(spec, case, path)
            except (CaseError, KeyError, TypeError, ValueError) as e:
                problems = [f"case: {type(e).__name__}: {e}"]
            if cid in ids:
                problems.append(f"id: also used in {ids[cid]}")
            ids[cid] = rel
            if problems:
                failed += 1
                for p in problems:
                    print(f"{rel}:{cid}: {p}")
            else:
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def cmd_show(path: str, case_id: str, full: bool) -> int:
    spec = load_spec(path)
    for case in spec["cases"]:
        if case.get("id") == case_id:
            data = case_data(spec, case, path)
            sys.stdout.write(render(predict(case.get("call") or {}, data), full=full))
            return 0
    print(f"{path}: no case {case_id}", file=sys.stderr)
    return 2


# --------------------------------------------------------------------------
# Update: the computed expectations written into the spec file, in place
#
# The file's text is edited span by span at the YAML nodes' positions, never re-dumped, so
# comments, key order, quoting, flow or block style and the author's tolerance stay as
# written. A stated number is rewritten only where the oracle disagrees with it beyond the
# case's tolerance (as `check` judges it): an agreeing file is left byte for byte.


def _mapping_get(node, key: str):
    """(key node, value node) of `key` in a YAML mapping node, or (None, None)."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
    return None, None


def _node_end(node) -> int:
    """Where a node's own text ends: a block collection's end mark lies past the line break and
    indentation that follow it, so its end is its last child's."""
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _node_end(node.value[-1])
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _node_end(node.value[-1][1])
    return node.end_mark.index


def _indent_block(lines: list[str], column: int) -> str:
    return ("\n" + " " * column).join(lines)


class CaseUpdate:
    """The edits that bring one case's `expect` in line with the oracle, and what it cannot fix."""

    def __init__(self, text: str, tol: dict, data):
        self.text = text
        self.tol = tol
        self.data = data
        self.edits: list[tuple[int, int, str]] = []
        self.unfixed: list[str] = []
        self.changed: list[str] = []

    def replace(self, node, new: str, what: str) -> None:
        self.edits.append((node.start_mark.index, _node_end(node), new))
        self.changed.append(what)

    def metrics(self, node, actual, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            if not isinstance(actual, dict):
                self.unfixed.append(f"{path}: the oracle has {'no such metric' if actual is None else _fmt(actual)}, not a mapping")
                return
            for k, v in node.value:
                key = yaml.safe_load(yaml.serialize(k))
                p = path + "." + str(key).replace("\\", "\\\\").replace(".", "\\.")
                if key not in actual:
                    self.unfixed.append(f"{p}: the oracle reports no such metric")
                    continue
                self.metrics(v, actual[key], p)
            return
        if not isinstance(node, yaml.ScalarNode) or isinstance(actual, dict) or actual is None:
            self.unfixed.append(f"{path}: the oracle's value is {'a mapping' if isinstance(actual, dict) else '(absent)'}")
            return
        expected = yaml.safe_load(yaml.serialize(node))
        if (_is_real(expected) or isinstance(expected, bool)) and _close(expected, actual, _tol_for(path, self.tol)):
            return
        self.replace(node, _fmt(float(actual)), f"{path}: {node.value} -> {_fmt(float(actual))}")

    def gradient(self, node, actual: list) -> None:
        try:
            expected = yaml.safe_load(yaml.serialize(node))
            same_shape = (isinstance(node, yaml.SequenceNode) and isinstance(expected, list) and len(expected) == len(actual)
                          and all((_flatten(e)[1] if e else (0,)) == (_flatten(a)[1] if a else (0,)) for e, a in zip(expected, actual)))
        except CaseError:
            same_shape = False
        if not same_shape:
            if isinstance(node, yaml.SequenceNode) and not node.flow_style:
                rows = [f"- {_flow(g)}" for g in actual]
                self.replace(node, _indent_block(rows, node.start_mark.column), "gradient: rewritten (its shape differed)")
            else:
                self.replace(node, _flow(actual), "gradient: rewritten (its shape differed)")
            return
        t = _tol_for("gradient", self.tol)

        def leaves(n):
            if isinstance(n, yaml.SequenceNode):
                for child in n.value:
                    yield from leaves(child)
            else:
                yield n

        for j, (row, a) in enumerate(zip(node.value, actual)):
            a_items, _ = _flatten(a) if a else ([], (0,))
            for k, (leaf, av) in enumerate(zip(leaves(row), a_items)):
                ev = yaml.safe_load(yaml.serialize(leaf))
                if _is_real(ev) and _close(float(np.float32(ev)), float(np.float32(av)), t):
                    continue
                self.replace(leaf, _fmt(float(av)), f"gradient[{j}] item {k}: {leaf.value} -> {_fmt(float(av))}")

    def requests(self, node, actual: dict) -> None:
        if yaml.safe_load(yaml.serialize(node)) == actual:
            return
        self.replace(node, _flow(actual), f"requests: -> {_flow(actual)}")

    def error(self, node, actual: dict) -> None:
        for key in ("kind", "label"):
            _, v = _mapping_get(node, key)
            if v is not None and yaml.safe_load(yaml.serialize(v)) != actual[key]:
                new = "null" if actual[key] is None else _fmt(actual[key])
                self.replace(v, new, f"error.{key}: {v.value} -> {new}")
        _, message = _mapping_get(node, "message")
        if message is not None:
            pattern = yaml.safe_load(yaml.serialize(message))
            try:
                matches = isinstance(pattern, str) and re.search(pattern, actual["message"]) is not None
            except re.error:
                matches = False
            if not matches:
                self.unfixed.append(f"error.message: /{pattern}/ does not match the oracle's {actual['message']!r}; a pattern is the author's to write")


def update_case(text: str, case_node, spec: dict, case: dict, spec_path: str) -> CaseUpdate:
    data = case_data(spec, case, spec_path)
    pred = predict(case.get("call") or {}, data)
    up = CaseUpdate(text, merged_tolerance(spec, case), data)
    key, expect = _mapping_get(case_node, "expect")
    empty = expect is None or (isinstance(expect, yaml.ScalarNode) and expect.value in ("", "~", "null")) or (
        isinstance(expect, yaml.MappingNode) and not expect.value)
    if empty:
        # No expectation yet: the whole block, as `show` prints it, under the case's keys.
        column = case_node.value[0][0].start_mark.column
        block = render(pred, indent=column + 2).rstrip("\n")
        if key is None:
            end = _node_end(case_node.value[-1][1])
            up.edits.append((end, end, "\n" + " " * column + "expect:\n" + block))
        else:
            up.edits.append((key.end_mark.index, max(_node_end(expect), key.end_mark.index), ":\n" + block))
        up.changed.append("expect: written")
        return up
    _, expected_error = _mapping_get(expect, "error")
    if (expected_error is not None) != (pred.error is not None):
        said = "success" if pred.error is None else f"error {pred.error['kind']} ({pred.error['message']})"
        up.unfixed.append(f"expect: the case expects {'an error' if expected_error is not None else 'success'}, the oracle predicts {said}; "
                          "rewrite the block by hand, or delete it and run update again")
        return up
    if pred.error is not None:
        up.error(expected_error, pred.error)
    else:
        _, metrics = _mapping_get(expect, "metrics")
        if metrics is not None:
            up.metrics(metrics, pred.metrics, "metrics")
        _, gradient = _mapping_get(expect, "gradient")
        if gradient is not None:
            up.gradient(gradient, pred.gradient)
    _, requests = _mapping_get(expect, "requests")
    if requests is not None:
        up.requests(requests, pred.requests)
    return up


def apply_edits(text: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


def cmd_update(path: str, case_ids: list[str]) -> int:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        spec = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as e:
        print(f"{path}: {e}", file=sys.stderr)
        return 2
    _, cases_node = _mapping_get(root, "cases")
    if not isinstance(spec, dict) or not isinstance(cases_node, yaml.SequenceNode):
        print(f"{path}: not a spec file (no `cases:` list)", file=sys.stderr)
        return 2
    wanted = set(case_ids)
    unknown = wanted - {c.get("id") for c in spec["cases"] if isinstance(c, dict)}
    if unknown:
        print(f"{path}: no case {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    edits: list[tuple[int, int, str]] = []
    unfixed = 0
    touched = 0
    for case_node, case in zip(cases_node.value, spec["cases"]):
        cid = case.get("id", "?")
        if wanted and cid not in wanted:
            continue
        try:
            up = update_case(text, case_node, spec, case, path)
        except (CaseError, KeyError, TypeError, ValueError) as e:
            print(f"{path}:{cid}: cannot compute: {type(e).__name__}: {e}")
            unfixed += 1
            continue
        edits.extend(up.edits)
        touched += bool(up.edits)
        for c in up.changed:
            print(f"{path}:{cid}: updated {c}")
        for u in up.unfixed:
            print(f"{path}:{cid}: not updated: {u}")
        unfixed += bool(up.unfixed)
    if edits:
        new_text = apply_edits(text, edits)
        try:
            yaml.safe_load(new_text)
        except yaml.YAMLError as e:  # a bug of this mode, never a broken file
            print(f"{path}: not written: the edited text does not parse ({e})", file=sys.stderr)
            return 2
        with open(path, "w", encoding="utf-8") as f:
            f.write(new_text)
    # What check says now, for the cases asked about: an update that leaves a disagreement says so.
    spec = load_spec(path)
    still = 0
    for case in spec["cases"]:
        if wanted and case.get("id") not in wanted:
            continue
        for problem in check_case(spec, case, path):
            print(f"{path}:{case.get('id', '?')}: still disagrees: {problem}")
            still += 1
    print(f"{len(edits)} values updated in {touched} cases; {still} disagreements left")
    return 1 if still or unfixed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("check", help="recompute every case and compare with the files")
    p.add_argument("paths", nargs="*", default=[os.path.join(REPO, "specs")])
    p = sub.add_parser("show", help="print one case's computed expectation as YAML")
    p.add_argument("file")
    p.add_argument("case_id")
    p.add_argument("--full", action="store_true", help="also print the backend's loss:sum")
    p = sub.add_parser("update", help="write the computed expectations into a spec file in place (only what disagrees)")
    p.add_argument("file")
    p.add_argument("--case", action="append", default=[], metavar="ID", help="only this case (repeatable)")
    sub.add_parser("selftest", help="analytic gradients against finite differences")
    p = sub.add_parser("coverage", help="cases per checklist item and rule id")
    p.add_argument("paths", nargs="*", default=[os.path.join(REPO, "specs")])
    args = parser.parse_args(argv)
    if args.mode == "check":
        return cmd_check(args.paths)
    if args.mode == "show":
        return cmd_show(args.file, args.case_id, args.full)
    if args.mode == "update":
        return cmd_update(args.file, args.case)
    if args.mode == "selftest":
        return selftest()
    return cmd_coverage(args.paths)


if __name__ == "__main__":
    sys.exit(main())
