"""The fn catalogue of docs/catalogue.md in PyTorch.

`make_fn(spec, label, registry)` turns a fn object of the protocol
(`{"name", "async", "delay_ms", "scale", "datums", "metrics", "params"}`) into
a callable `fn(data, logprobs_list) -> (loss, metrics)`; with `"async": true`
it is a coroutine function that first sleeps `delay_ms` (cancellable).

Each fn computes in the dtype of the logprobs it is given (float64 when the
client makes float64 leaves). Every exception a fn raises is noted in the
`FnRegistry`, so that the adapter can recognise it if the implementation lets
it propagate unchanged (README.md, "Error kinds").
"""

from __future__ import annotations

import asyncio
import math
from typing import Any, Callable, Mapping, Sequence

from .wire import AdapterCannotRun, tensor_values

CATALOGUE_PARAMS = {
    "sum": {},
    "mean": {},
    "mean_of_means": {},
    "sum_of_squares": {},
    "variance": {},
    "weighted_nll": {"normalize": False},
    "kl_to_reference": {"estimator": "k3"},
    "dpo": {"beta": 0.1},
    "reverse_kl_topk": {},
    "sqrt_neg_sum": {},
    "constant": {"value": 1.0},
    "raises": {"message": "regularizer failed"},
    "non_scalar": {},
    "bad_metrics": {"type": "string"},
}


class FnRegistry:
    """Remembers which catalogue fn raised which exception object."""

    def __init__(self) -> None:
        self._raised: dict[int, tuple[BaseException, str | None]] = {}

    def note(self, exc: BaseException, label: str | None) -> None:
        self._raised[id(exc)] = (exc, label)

    def label_of(self, exc: BaseException) -> tuple[bool, str | None]:
        hit = self._raised.get(id(exc))
        if hit is not None and hit[0] is exc:
            return True, hit[1]
        return False, None


def _torch():
    import torch

    return torch


def _inputs_of(datum: Any) -> Mapping[str, Any]:
    if isinstance(datum, Mapping):
        return datum.get("loss_fn_inputs") or {}
    return getattr(datum, "loss_fn_inputs", None) or {}


def _input(datum: Any, j: int, name: str, like):
    """Datum j's loss_fn_inputs[name] as a tensor shaped and typed like `like`."""
    torch = _torch()
    value = _inputs_of(datum).get(name)
    if value is None:
        raise ValueError(f"datum {j} has no loss_fn_inputs.{name}")
    values, _shape = tensor_values(value)
    t = torch.tensor(values, dtype=like.dtype)
    if t.numel() != like.numel():
        raise ValueError(f"datum {j}: loss_fn_inputs.{name} has {t.numel()} values for {like.numel()} logprobs")
    return t.reshape(like.shape)


def _selection(datums: Sequence[int] | None, n: int) -> list[int]:
    if datums is None:
        return list(range(n))
    sel = []
    for j in datums:
        if isinstance(j, bool) or not isinstance(j, int) or not 0 <= j < n:
            raise IndexError(f"datum index {j!r} is out of range for {n} datums")
        sel.append(j)
    return sel


def _all(lps, sel):
    torch = _torch()
    if not sel:
        raise ValueError("the fn selects no datums")
    return torch.cat([lps[j].reshape(-1) for j in sel])


def _compute(name: str, params: dict, data, lps, sel) -> tuple[Any, dict]:
    """The loss before `scale` and the entry's own metrics."""
    torch = _torch()
    own: dict = {}
    if name == "raises":
        raise RuntimeError(str(params["message"]))
    if name == "constant":
        return torch.tensor(float(params["value"]), dtype=torch.float64), own
    if name in ("sum", "bad_metrics"):
        loss = _all(lps, sel).sum()
        if name == "bad_metrics":
            kind = params["type"]
            bad = {
                "string": lambda: "bad",
                "list": lambda: [1.0, 2.0],
                "none": lambda: None,
                "tensor": lambda: torch.tensor([1.0, 2.0]),
            }
            if kind not in bad:
                raise ValueError(f"bad_metrics: unknown type {kind!r}")
            own["bad"] = bad[kind]()
        return loss, own
    if name == "non_scalar":
        return _all(lps, sel), own
    if name == "mean":
        return _all(lps, sel).mean(), own
    if name == "mean_of_means":
        if not sel:
            raise ValueError("mean_of_means selects no datums")
        return torch.stack([lps[j].reshape(-1).mean() for j in sel]).mean(), own
    if name == "sum_of_squares":
        return _all(lps, sel).square().sum(), own
    if name == "sqrt_neg_sum":
        return torch.sqrt(-_all(lps, sel).sum()), own  # infinite gradient at 0
    if name == "variance":
        x = _all(lps, sel)
        return (x - x.mean()).square().mean(), own
    if name == "weighted_nll":
        num = None
        den = None
        for j in sel:
            w = _input(data[j], j, "weights", lps[j])
            term = (w * lps[j]).sum()
            num = term if num is None else num + term
            den = w.sum() if den is None else den + w.sum()
        if num is None:
            raise ValueError("weighted_nll selects no datums")
        loss = -num
        if params["normalize"]:
            loss = loss / den
        return loss, own
    if name == "kl_to_reference":
        est = params["estimator"]
        r = torch.cat([(_input(data[j], j, "ref_logprobs", lps[j]) - lps[j]).reshape(-1) for j in sel]) if sel else None
        if r is None:
            raise ValueError("kl_to_reference selects no datums")
        if est == "k1":
            loss = (-r).mean()
        elif est == "k2":
            loss = (r.square() / 2).mean()
        elif est == "k3":
            loss = (torch.exp(r) - 1 - r).mean()
        else:
            raise ValueError(f"kl_to_reference: unknown estimator {est!r}")
        own[f"kl/{est}"] = float(loss.detach())
        return loss, own
    if name == "dpo":
        beta = float(params["beta"])
        if not sel or len(sel) % 2:
            raise ValueError(f"dpo needs (chosen, rejected) pairs of datums, got {len(sel)} datums")

        def summed(j):
            lp = lps[j]
            weights = _inputs_of(data[j]).get("weights")
            w = _input(data[j], j, "weights", lp) if weights is not None else torch.ones_like(lp)
            ref = _input(data[j], j, "ref_logprobs", lp)
            return (w * lp).sum(), (w * ref).sum()

        ms, chosen, rejected = [], [], []
        for k in range(0, len(sel), 2):
            c, c_ref = summed(sel[k])
            r, r_ref = summed(sel[k + 1])
            ms.append(beta * ((c - c_ref) - (r - r_ref)))
            chosen.append(beta * (c - c_ref))
            rejected.append(beta * (r - r_ref))
        m = torch.stack(ms)
        loss = torch.nn.functional.softplus(-m).mean()  # -log sigmoid(m)
        own["dpo_loss"] = float(loss.detach())
        own["accuracy"] = float((m.detach() > 0).to(m.dtype).mean())
        own["margin"] = float(m.detach().mean())
        own["chosen_reward"] = float(torch.stack(chosen).detach().mean())
        own["rejected_reward"] = float(torch.stack(rejected).detach().mean())
        return loss, own
    if name == "reverse_kl_topk":
        total = None
        rows = 0
        for j in sel:
            lp = lps[j]
            if lp.dim() != 2:
                raise ValueError(f"datum {j}: reverse_kl_topk needs [T, K] logprobs, got shape {list(lp.shape)}")
            w = _input(data[j], j, "weights", lp)
            if bool((w <= 0).any()):
                raise ValueError(f"datum {j}: teacher probabilities in weights must be > 0")
            term = (torch.exp(lp) * (lp - torch.log(w))).sum()
            total = term if total is None else total + term
            rows += lp.shape[0]
        if total is None or rows == 0:
            raise ValueError("reverse_kl_topk has no positions")
        loss = total / rows
        own["sdft/reverse_kl_mean"] = float(loss.detach())
        return loss, own
    raise AdapterCannotRun(f"unknown catalogue fn {name!r}")


def _scalar(loss) -> float:
    try:
        if loss.numel() == 1:
            return float(loss.detach().reshape(-1)[0])
    except Exception:
        pass
    return math.nan


def make_fn(spec: Mapping[str, Any], label: str | None, registry: FnRegistry) -> Callable:
    if not isinstance(spec, Mapping) or "name" not in spec:
        raise AdapterCannotRun(f"a fn object needs a 'name', got {spec!r}")
    name = spec["name"]
    if name not in CATALOGUE_PARAMS:
        raise AdapterCannotRun(f"unknown catalogue fn {name!r}")
    params = dict(CATALOGUE_PARAMS[name])
    for key, value in (spec.get("params") or {}).items():
        if key not in params:
            raise AdapterCannotRun(f"catalogue fn {name!r} has no parameter {key!r}")
        params[key] = value
    is_async = bool(spec.get("async"))
    delay_ms = spec.get("delay_ms")
    scale = spec.get("scale")
    datums = spec.get("datums")
    verbatim = dict(spec.get("metrics") or {})

    def body(data, logprobs_list):
        try:
            sel = _selection(datums, len(logprobs_list))
            loss, own = _compute(name, params, data, logprobs_list, sel)
            if scale is not None:
                loss = loss * float(scale)
            metrics = dict(own)
            for key, value in verbatim.items():
                if value == "$loss":
                    metrics[key] = _scalar(loss)
                elif isinstance(value, bool):
                    metrics[key] = value
                elif isinstance(value, (int, float)):
                    metrics[key] = float(value)
                else:
                    metrics[key] = value
            return loss, metrics
        except AdapterCannotRun:
            raise
        except Exception as exc:
            registry.note(exc, label)
            raise

    if is_async:

        async def fn(data, logprobs_list):
            if delay_ms:
                await asyncio.sleep(float(delay_ms) / 1000.0)
            return body(data, logprobs_list)

    else:

        def fn(data, logprobs_list):
            return body(data, logprobs_list)

    fn.__name__ = name
    fn.__qualname__ = f"regspec.{name}"
    fn.regspec_label = label  # type: ignore[attr-defined]
    return fn
