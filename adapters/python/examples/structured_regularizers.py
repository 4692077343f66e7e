"""Structured regularizers on top of the released tinker SDK (0.7.0).

`StructuredTrainingClient` is tinker's `TrainingClient` with `regularizers=`
added to `forward_backward_custom` and `forward_backward_custom_async`, as the
checklist (`structured-regularizers-checklist.md`) asks, following the rules
the conformance suite checks and the reference's decisions
(docs/api/training-client.md):

    client.forward_backward_custom_async(
        data,
        loss_fn=None,                 # the base loss, optional with regularizers
        regularizers=[{"fn": fn, "weight": 0.1, "name": "l2"}, ...],
        *, track_grad_norms=False, timeout=None, max_concurrency=None, telemetry=None,
    )

Modes: with a non-empty `regularizers` list the call is *structured*; with a
`loss_fn` only it is *legacy* and behaves as tinker 0.7.0 did (same metrics:
the backward pass's metrics with the loss_fn's merged over them; a loss that
does not reach every datum's logprobs is an error; the loss_fn's own
exceptions propagate unchanged), plus the up-front checks on the data.

Return values keep 0.7.0's shapes: the async form returns an `APIFuture` of
the backward pass (await it, or `await fut.result_async()`), the sync form
returns an `APIFuture` at once (`.result()` waits). Errors are
`RegularizerError` (a `ValueError`) with `kind`, `label` and `message`; the
sync form's future fails with them, the async form raises them.

Three deliberately broken variants sit at the end of the file
(`UnweightedContributionClient`, `UnawaitedAsyncClient`,
`ZeroWeightDroppedClient`). They exist to show that the conformance suite
catches such faults; nothing in `StructuredTrainingClient` refers to them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import math
import numbers
import time
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypedDict, Union

import torch
from tinker import types
from tinker.lib.api_future_impl import _CombinedAPIFuture
from tinker.lib.public_interfaces.api_future import APIFuture
from tinker.lib.public_interfaces.training_client import TrainingClient
from tinker.lib.telemetry import capture_exceptions

__all__ = [
    "RegularizerError",
    "RegularizerSpec",
    "RegularizerList",
    "RecordingTelemetrySink",
    "StructuredTrainingClient",
]

LossFnResult = Tuple[Any, Dict[str, Any]]
LossFn = Callable[[List[types.Datum], List[torch.Tensor]], Union[LossFnResult, Awaitable[LossFnResult]]]


class RegularizerSpec(TypedDict):
    fn: LossFn
    weight: float
    name: str


RegularizerList = List[RegularizerSpec]
TelemetrySink = Callable[[Dict[str, Any]], None]

logger = logging.getLogger(__name__)

REGULARIZER_KEYS = ("name", "weight", "fn")
ERROR_KINDS = (
    "missing_loss",
    "invalid_regularizer",
    "empty_data",
    "missing_target_tokens",
    "non_scalar_loss",
    "non_finite_loss",
    "non_finite_gradient",
    "invalid_metrics",
    "loss_fn_failed",
    "no_gradient",
    "timeout",
)


class RegularizerError(ValueError):
    """A bad call or a failing fn. `kind` is one of ERROR_KINDS; `label` names
    the fn at fault (`"loss_fn"` or the regularizer's name) where there is one."""

    def __init__(self, kind: str, message: str, label: Optional[str] = None):
        super().__init__(message)
        self.kind = kind
        self.label = label
        self.message = message

    def __str__(self) -> str:
        return self.message


def _kind_and_label(exc: BaseException) -> Tuple[Optional[str], Optional[str]]:
    """The language-neutral kind and the fn at fault, for a RegularizerError."""
    if isinstance(exc, RegularizerError):
        return exc.kind, exc.label
    return None, None


class RecordingTelemetrySink:
    """A telemetry sink that keeps every event (a dict with an `"event"` key)."""

    def __init__(self) -> None:
        self.events: List[Dict[str, Any]] = []

    def __call__(self, event: Dict[str, Any]) -> None:
        self.events.append(event)


@dataclasses.dataclass
class _Fn:
    label: str
    fn: Callable[..., Any]
    weight: Any  # None for the base loss


@dataclasses.dataclass
class _Outcome:
    value: float
    custom: Dict[str, float]
    grads: List[Optional[torch.Tensor]]  # d(fn loss)/d(logprobs_j), None where not reached


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the bool {value}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if value is None:
        return "None"
    if isinstance(value, float):
        return repr(value)
    return f"{value!r} of type {type(value).__name__}"


def _guarded(sink: Optional[TelemetrySink]) -> TelemetrySink:
    """A sink that never lets a failing telemetry sink fail the call."""
    if sink is None:
        return lambda event: None

    def emit(event: Dict[str, Any]) -> None:
        try:
            sink(event)
        except Exception:  # pragma: no cover - a broken sink
            logger.exception("telemetry sink failed on %s", event.get("event"))

    return emit


def _with_metrics(output: Any, metrics: Dict[str, Any]) -> Any:
    """A copy of a ForwardBackwardOutput (frozen in the SDK) with other metrics."""
    if hasattr(output, "model_copy"):
        return output.model_copy(update={"metrics": metrics})
    if dataclasses.is_dataclass(output):
        return dataclasses.replace(output, metrics=metrics)
    output.metrics.clear()
    output.metrics.update(metrics)
    return output


class StructuredTrainingClient(TrainingClient):
    """tinker's TrainingClient with structured regularizers in forward_backward_custom."""

    # ---------------------------------------------------------------- entry points
    def forward_backward_custom(
        self,
        data: List[types.Datum],
        loss_fn: Optional[LossFn] = None,
        regularizers: Optional[RegularizerList] = None,
        *,
        track_grad_norms: bool = False,
        timeout: Optional[float] = None,
        max_concurrency: Optional[int] = None,
        telemetry: Optional[TelemetrySink] = None,
    ) -> APIFuture[types.ForwardBackwardOutput]:
        """Submit the call and return an APIFuture of its result at once.

        `.result()` (or `await`) gives the ForwardBackwardOutput, or raises the
        call's error (a RegularizerError for a bad call or a failing fn).
        """

        async def _run() -> types.ForwardBackwardOutput:
            backward = await self.forward_backward_custom_async(
                data,
                loss_fn,
                regularizers,
                track_grad_norms=track_grad_norms,
                timeout=timeout,
                max_concurrency=max_concurrency,
                telemetry=telemetry,
            )
            return await backward.result_async()

        return self.holder.run_coroutine_threadsafe(_run())

    @capture_exceptions(fatal=True)
    async def forward_backward_custom_async(
        self,
        data: List[types.Datum],
        loss_fn: Optional[LossFn] = None,
        regularizers: Optional[RegularizerList] = None,
        *,
        track_grad_norms: bool = False,
        timeout: Optional[float] = None,
        max_concurrency: Optional[int] = None,
        telemetry: Optional[TelemetrySink] = None,
    ) -> APIFuture[types.ForwardBackwardOutput]:
        """Validate, run one forward pass, evaluate the fns, send one linearized
        backward pass; returns the APIFuture of the backward pass with the
        metrics rewritten (structured or legacy).

        `telemetry`, if given, is called with one dict per event: `call_started`
        (mode, fn_count), `fn_started` (label), `fn_stopped` (label, duration,
        value, contribution), `fn_failed` (label, kind, error), `call_stopped`
        (duration, loss_total) or `call_failed` (duration, kind, label,
        message): the names and fields of semantics section 12, `kind` None
        for an error that is not a RegularizerError. Events of concurrent fns
        may interleave; a failing sink is logged, not raised.
        """
        fns, structured = self._validate(data, loss_fn, regularizers)
        emit = _guarded(telemetry)
        started = time.perf_counter()
        emit({"event": "call_started", "mode": "structured" if structured else "legacy", "fn_count": len(fns)})
        try:
            leaves = await self._forward_logprobs(data)
            outcomes = await self._evaluate(fns, data, leaves, structured, timeout, max_concurrency, emit)
            if structured:
                gradient = self._compose(fns, outcomes, leaves)
                self._check_finite(fns, outcomes, gradient)
            else:
                gradient = self._legacy_gradient(outcomes[0], leaves)
            backward = await self.forward_backward_async(self._linearized(data, gradient), "cross_entropy")
        except BaseException as exc:
            kind, label = _kind_and_label(exc)
            emit(
                {
                    "event": "call_failed",
                    "duration": time.perf_counter() - started,
                    "kind": kind,
                    "label": label,
                    "message": str(exc),
                }
            )
            raise

        if structured:
            metrics, loss_total = self._structured_metrics(fns, outcomes, gradient, track_grad_norms)
        else:
            metrics, loss_total = dict(outcomes[0].custom), outcomes[0].value

        def rewrite(results: List[types.ForwardBackwardOutput]) -> types.ForwardBackwardOutput:
            result = results[0]
            if structured:
                merged = dict(metrics)
                for key, value in result.metrics.items():
                    if key not in merged:
                        merged[key] = value
                return _with_metrics(result, merged)
            # Legacy: exactly 0.7.0's `result.metrics.update(metrics)`.
            result.metrics.update(metrics)
            return result

        emit({"event": "call_stopped", "duration": time.perf_counter() - started, "loss_total": loss_total})
        return _CombinedAPIFuture([backward], rewrite, self.holder)

    # ---------------------------------------------------------------- validation
    def _validate(
        self, data: Any, loss_fn: Any, regularizers: Any
    ) -> Tuple[List[_Fn], bool]:
        if regularizers is not None and not isinstance(regularizers, (list, tuple)):
            raise RegularizerError(
                "invalid_regularizer", f"regularizers is {_describe(regularizers)}; pass a list of dicts with 'name', 'weight' and 'fn'"
            )
        entries = list(regularizers) if regularizers is not None else []
        if loss_fn is None and not entries:
            raise RegularizerError(
                "missing_loss",
                "forward_backward_custom needs a loss_fn or a non-empty regularizers list; neither was given",
            )
        if loss_fn is not None and not callable(loss_fn):
            raise TypeError(f"loss_fn must be callable, got {_describe(loss_fn)}")

        fns: List[_Fn] = []
        if loss_fn is not None:
            fns.append(_Fn("loss_fn", loss_fn, None))
        seen: set = set()
        for i, entry in enumerate(entries):

            def bad(problem: str, name: Optional[str] = None) -> RegularizerError:
                who = f"regularizers[{i}] ({name!r})" if name is not None else f"regularizers[{i}]"
                return RegularizerError("invalid_regularizer", f"{who}: {problem}", name)

            if not isinstance(entry, Mapping):
                raise bad(f"is {_describe(entry)}, not a dict with 'name', 'weight' and 'fn'")
            if "name" not in entry:
                raise bad("'name' is missing; give each regularizer a unique non-empty string name")
            name = entry["name"]
            if not isinstance(name, str):
                raise bad(f"'name' is {_describe(name)}, not a string")
            if name == "":
                raise bad("'name' is empty; give each regularizer a unique non-empty string name")
            if name in seen:
                raise bad(f"the name {name!r} is used by an earlier regularizer; names key the metrics, so each must be unique", name)
            if "weight" not in entry:
                raise bad("'weight' is missing; give a finite real number", name)
            weight = entry["weight"]
            if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
                raise bad(f"'weight' is {_describe(weight)}, not a real number", name)
            if not math.isfinite(float(weight)):
                raise bad(f"'weight' is {float(weight)!r}; give a finite real number", name)
            if "fn" not in entry:
                raise bad("'fn' is missing; give a callable (data, logprobs_list) -> (loss, metrics)", name)
            fn = entry["fn"]
            if not callable(fn):
                raise bad(f"'fn' is {_describe(fn)}, which is not callable", name)
            unknown = [key for key in entry if key not in REGULARIZER_KEYS]
            if unknown:
                raise bad(f"unknown key {unknown[0]!r}; a regularizer has only 'name', 'weight' and 'fn'", name)
            seen.add(name)
            fns.append(_Fn(name, fn, weight))

        if not data:
            raise RegularizerError("empty_data", "No data provided: pass at least one datum")
        for j, datum in enumerate(data):
            if "target_tokens" not in (datum.loss_fn_inputs or {}):
                raise RegularizerError(
                    "missing_target_tokens",
                    f"datum {j} has no loss_fn_inputs.target_tokens; every datum needs the tokens its logprobs score",
                )
        return fns, bool(entries)

    # ---------------------------------------------------------------- forward
    @staticmethod
    def _target_shape(datum: types.Datum) -> List[int]:
        targets = datum.loss_fn_inputs["target_tokens"]
        return list(targets.shape) if targets.shape is not None else [len(targets.data)]

    async def _forward_logprobs(self, data: List[types.Datum]) -> List[torch.Tensor]:
        forward_future = await self.forward_async(data, "cross_entropy")
        forward_result = await forward_future.result_async()
        outputs = forward_result.loss_fn_outputs
        if len(outputs) != len(data):
            raise ValueError(f"the backend returned {len(outputs)} outputs for {len(data)} datums")
        leaves = []
        for j, (datum, out) in enumerate(zip(data, outputs)):
            shape = self._target_shape(datum)
            values = list(out["logprobs"].data)
            if len(values) != math.prod(shape):
                raise ValueError(f"datum {j}: the backend returned {len(values)} logprobs for targets of shape {shape}")
            leaf = torch.tensor(values, dtype=torch.float64).reshape(shape)
            leaves.append(leaf.requires_grad_(True))
        return leaves

    # ---------------------------------------------------------------- evaluation
    async def _evaluate(
        self,
        fns: List[_Fn],
        data: List[types.Datum],
        leaves: List[torch.Tensor],
        structured: bool,
        timeout: Optional[float],
        max_concurrency: Optional[int],
        emit: TelemetrySink,
    ) -> List[_Outcome]:
        """Runs every fn (async ones concurrently, at most max_concurrency at a
        time) and returns their outcomes in list order. The error of the
        earliest failing fn in list order wins; the others are cancelled."""
        limit = asyncio.Semaphore(max(1, int(max_concurrency))) if max_concurrency is not None else None

        async def run(f: _Fn) -> _Outcome:
            if limit is None:
                return await self._run_one(f, data, leaves, structured, timeout, emit)
            async with limit:
                return await self._run_one(f, data, leaves, structured, timeout, emit)

        tasks = [asyncio.ensure_future(run(f)) for f in fns]
        try:
            # Awaiting in list order: when task i raises, every task before it
            # has succeeded, so its error is the earliest in evaluation order.
            return [await task for task in tasks]
        finally:
            pending = [task for task in tasks if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
            for task in tasks:  # mark every failure as retrieved
                if task.done() and not task.cancelled():
                    task.exception()

    async def _run_one(
        self,
        f: _Fn,
        data: List[types.Datum],
        leaves: List[torch.Tensor],
        structured: bool,
        timeout: Optional[float],
        emit: TelemetrySink,
    ) -> _Outcome:
        started = time.perf_counter()
        emit({"event": "fn_started", "label": f.label})
        try:
            result = await self._call_fn(f, data, leaves, timeout, structured)
            outcome = self._check(f, result, leaves, structured)
        except BaseException as exc:
            emit({"event": "fn_failed", "label": f.label, "kind": _kind_and_label(exc)[0], "error": exc})
            raise
        contribution = None if f.weight is None else self._contribution(f.weight, outcome.value)
        emit(
            {
                "event": "fn_stopped",
                "label": f.label,
                "duration": time.perf_counter() - started,
                "value": outcome.value,
                "contribution": contribution,
            }
        )
        return outcome

    async def _call_fn(
        self, f: _Fn, data: List[types.Datum], leaves: List[torch.Tensor], timeout: Optional[float], structured: bool
    ) -> Any:
        """Calls a sync fn, awaits an async one (under `timeout`)."""
        try:
            result = f.fn(data, list(leaves))  # the same leaf tensors; a list of its own
            if inspect.isawaitable(result):
                result = await self._await_with_timeout(f, result, timeout)
            return result
        except RegularizerError:
            raise
        except Exception as exc:
            if not structured:
                raise  # legacy mode: the loss_fn's own exception, unchanged, as in 0.7.0
            raise RegularizerError("loss_fn_failed", f"{f.label} raised {type(exc).__name__}: {exc}", f.label) from exc

    @staticmethod
    async def _await_with_timeout(f: _Fn, awaitable: Awaitable[Any], timeout: Optional[float]) -> Any:
        if timeout is None:
            return await awaitable
        task = asyncio.ensure_future(awaitable)
        try:
            done, _ = await asyncio.wait({task}, timeout=timeout)
        except asyncio.CancelledError:
            task.cancel()
            raise
        if task in done:
            return task.result()
        task.cancel()
        # Like asyncio.wait_for: wait for the cancelled fn to end.
        await asyncio.gather(task, return_exceptions=True)
        raise RegularizerError(
            "timeout",
            f"{f.label} did not finish within {timeout:g} seconds and was cancelled; raise the timeout or make it faster",
            f.label,
        )

    def _check(self, f: _Fn, result: Any, leaves: List[torch.Tensor], structured: bool) -> _Outcome:
        label = f.label
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise RegularizerError(
                "loss_fn_failed", f"{label} returned {_describe(result)}; a fn returns a (loss, metrics) pair", label
            )
        loss, metrics = result
        try:
            loss_t = loss if isinstance(loss, torch.Tensor) else torch.as_tensor(loss, dtype=torch.float64)
        except Exception as exc:
            raise RegularizerError("loss_fn_failed", f"{label} returned a loss of {_describe(loss)}, not a tensor", label) from exc

        if loss_t.numel() != 1:
            raise RegularizerError(
                "non_scalar_loss",
                f"{label} returned a loss of shape {list(loss_t.shape)} with {loss_t.numel()} elements; "
                "return exactly one element (e.g. reduce with sum() or mean())",
                label,
            )
        value = float(loss_t.detach().reshape(()).to(torch.float64).item())
        if structured and not math.isfinite(value):
            raise RegularizerError("non_finite_loss", f"{label} returned a loss of {value}; the loss must be finite", label)
        if structured and f.weight is not None and f.weight != 0 and not math.isfinite(float(f.weight) * value):
            raise RegularizerError(
                "non_finite_loss",
                f"{label}'s contribution weight * value = {float(f.weight)!r} * {value!r} overflows; nothing was sent",
                label,
            )
        custom = self._convert_metrics(label, metrics)

        if loss_t.requires_grad:
            try:
                grads = list(torch.autograd.grad(loss_t.reshape(()), leaves, allow_unused=True))
            except Exception as exc:
                raise RegularizerError(
                    "loss_fn_failed", f"{label}: differentiating its loss failed: {type(exc).__name__}: {exc}", label
                ) from exc
        else:
            grads = [None] * len(leaves)
        return _Outcome(value, custom, grads)

    @staticmethod
    def _convert_metrics(label: str, metrics: Any) -> Dict[str, float]:
        if not isinstance(metrics, Mapping):
            raise RegularizerError(
                "invalid_metrics", f"{label} returned metrics of {_describe(metrics)}; return a dict of str to numbers", label
            )
        out: Dict[str, float] = {}
        for key, value in metrics.items():
            if not isinstance(key, str):
                raise RegularizerError("invalid_metrics", f"{label} returned a metric key {key!r} that is not a string", label)
            out[key] = StructuredTrainingClient._metric_value(label, key, value)
        return out

    @staticmethod
    def _metric_value(label: str, key: str, value: Any) -> float:
        if isinstance(value, torch.Tensor):
            if value.numel() != 1:
                raise RegularizerError(
                    "invalid_metrics",
                    f"{label} returned metric {key!r} as a tensor of shape {list(value.shape)}; "
                    "metrics must map strings to numbers or booleans",
                    label,
                )
            value = value.detach().reshape(()).item()
        elif hasattr(value, "item") and getattr(value, "size", None) == 1 and not isinstance(value, (str, bytes)):
            value = value.item()  # numpy scalars and one-element arrays
        if isinstance(value, bool) or type(value).__name__ in ("bool_",):
            return 1.0 if value else 0.0
        if isinstance(value, numbers.Real):
            return float(value)
        raise RegularizerError(
            "invalid_metrics",
            f"{label} returned metric {key!r} as {_describe(value)}; metrics must map strings to numbers or booleans",
            label,
        )

    # ---------------------------------------------------------------- composition
    @staticmethod
    def _contribution(weight: Any, value: float) -> float:
        return 0.0 if weight == 0 else float(weight) * value

    @staticmethod
    def _in_metrics(weight: Any) -> bool:
        return True

    def _compose(self, fns: List[_Fn], outcomes: List[_Outcome], leaves: List[torch.Tensor]) -> List[torch.Tensor]:
        """g_j = d(base)/d(lp_j) + sum_i w_i d(reg_i)/d(lp_j); zero where no fn reaches."""
        gradient = [torch.zeros_like(leaf, dtype=torch.float64).detach() for leaf in leaves]
        for f, outcome in zip(fns, outcomes):
            w = 1.0 if f.weight is None else float(f.weight)
            if w == 0:
                continue
            for j, grad in enumerate(outcome.grads):
                if grad is not None:
                    gradient[j] = gradient[j] + w * grad.detach().to(torch.float64)
        return gradient

    def _check_finite(self, fns: List[_Fn], outcomes: List[_Outcome], gradient: List[torch.Tensor]) -> None:
        """Structured mode, before anything is sent: the totals, then g and float32(-g), must be finite."""
        regularizer_total = 0.0
        base_value = 0.0
        for f, outcome in zip(fns, outcomes):
            if f.weight is None:
                base_value = outcome.value
            else:
                regularizer_total += self._contribution(f.weight, outcome.value)
        for total, value in (("regularizer_total", regularizer_total), ("loss_total", base_value + regularizer_total)):
            if not math.isfinite(value):
                raise RegularizerError(
                    "non_finite_loss", f"{total} overflows to {value} although every contribution is finite; nothing was sent", "loss_total"
                )
        contributors = [(f, o) for f, o in zip(fns, outcomes) if f.weight is None or float(f.weight) != 0]
        for j, g in enumerate(gradient):
            flat = g.detach().reshape(-1)
            sent = (-flat).to(torch.float32)
            bad = (~torch.isfinite(flat)) | (~torch.isfinite(sent))
            if not bool(bad.any()):
                continue
            k = int(bad.nonzero()[0])
            value = float(flat[k])
            if math.isfinite(value):
                raise RegularizerError(
                    "non_finite_gradient",
                    f"d(loss_total)/d(logprobs) is {value!r} at datum {j}, element {k}, beyond float32's range; nothing was sent",
                )
            culprits = [
                f.label for f, o in contributors
                if o.grads[j] is not None and not math.isfinite(float(o.grads[j].detach().reshape(-1)[k]))
            ]
            culprit = culprits[0] if len(culprits) == 1 else None
            why = f" because {culprit}'s gradient is non-finite there" if culprit else ""
            raise RegularizerError(
                "non_finite_gradient",
                f"d(loss_total)/d(logprobs) is {value!r} at datum {j}, element {k}{why}; nothing was sent",
                culprit,
            )

    @staticmethod
    def _legacy_gradient(outcome: _Outcome, leaves: List[torch.Tensor]) -> List[torch.Tensor]:
        for j, grad in enumerate(outcome.grads):
            if grad is None:
                raise RegularizerError(
                    "no_gradient",
                    f"No gradient computed for logprob tensor {j}: the loss_fn must depend on every datum's logprobs",
                )
        return [grad.detach().to(torch.float64) for grad in outcome.grads]  # type: ignore[union-attr]

    def _linearized(self, data: List[types.Datum], gradient: List[torch.Tensor]) -> List[types.Datum]:
        """One cross_entropy datum per datum: its model input, its targets and
        weights = -g in float32 (a zero is sent as +0.0)."""
        linear = []
        for datum, g in zip(data, gradient):
            weights = (-g).to(torch.float32) + 0.0
            linear.append(
                types.Datum(
                    model_input=datum.model_input,
                    loss_fn_inputs={
                        "target_tokens": datum.loss_fn_inputs["target_tokens"],
                        "weights": types.TensorData(
                            data=weights.reshape(-1).tolist(), dtype="float32", shape=list(weights.shape)
                        ),
                    },
                )
            )
        return linear

    # ---------------------------------------------------------------- metrics
    def _structured_metrics(
        self, fns: List[_Fn], outcomes: List[_Outcome], gradient: List[torch.Tensor], track_grad_norms: bool
    ) -> Tuple[Dict[str, Any], float]:
        def norm(tensors: Sequence[Optional[torch.Tensor]]) -> float:
            total = sum(float(t.detach().to(torch.float64).square().sum()) for t in tensors if t is not None)
            return math.sqrt(total)

        base_value = 0.0
        base: Optional[Dict[str, Any]] = None
        entries: Dict[str, Any] = {}
        regularizer_total = 0.0
        for f, outcome in zip(fns, outcomes):
            if f.weight is None:
                base_value = outcome.value
                base = {"value": outcome.value, "custom": dict(outcome.custom)}
                if track_grad_norms:
                    base["grad_norm"] = norm(outcome.grads)
                continue
            contribution = self._contribution(f.weight, outcome.value)
            regularizer_total += contribution
            if not self._in_metrics(f.weight):
                continue
            entry: Dict[str, Any] = {
                "value": outcome.value,
                "weight": f.weight,
                "contribution": contribution,
                "custom": dict(outcome.custom),
            }
            if track_grad_norms:
                grad_norm = norm(outcome.grads)
                entry["grad_norm"] = grad_norm
                entry["grad_norm_weighted"] = abs(float(f.weight)) * grad_norm
            entries[f.label] = entry

        loss_total = base_value + regularizer_total
        metrics: Dict[str, Any] = {
            "loss_total": loss_total,
            "regularizers": entries,
            "regularizer_total": regularizer_total,
        }
        if base is not None:
            metrics["base_loss"] = base
        if track_grad_norms:
            metrics["total_grad_norm"] = norm(gradient)
        return metrics, loss_total


# =============================================================================
# Deliberately broken variants, for checking that the suite catches faults.
# Select one with the adapter's --client option, e.g.
#   --client adapters/python/examples/structured_regularizers.py:ZeroWeightDroppedClient


class UnweightedContributionClient(StructuredTrainingClient):
    """Broken: a regularizer's contribution is its value, not weight * value."""

    @staticmethod
    def _contribution(weight: Any, value: float) -> float:
        return value


class UnawaitedAsyncClient(StructuredTrainingClient):
    """Broken: an async fn is called but what it returns is never awaited."""

    async def _call_fn(self, f, data, leaves, timeout, structured):
        return f.fn(data, leaves)  # for an async fn: a coroutine, not (loss, metrics)


class LateFnStartTelemetryClient(StructuredTrainingClient):
    """Broken: a fn's `fn_started` event is emitted only once the fn has
    ended, after its `fn_stopped` or `fn_failed`. Results are right; only the
    telemetry is wrong."""

    async def _run_one(self, f, data, leaves, structured, timeout, emit):
        held: List[Dict[str, Any]] = []

        def late(event: Dict[str, Any]) -> None:
            if event.get("event") == "fn_started":
                held.append(event)
                return
            emit(event)
            if event.get("event") in ("fn_stopped", "fn_failed"):
                for started in held:
                    emit(started)
                held.clear()

        return await super()._run_one(f, data, leaves, structured, timeout, late)


class ZeroWeightDroppedClient(StructuredTrainingClient):
    """Broken: regularizers with weight 0 are left out of the metrics."""

    @staticmethod
    def _in_metrics(weight: Any) -> bool:
        return weight != 0
