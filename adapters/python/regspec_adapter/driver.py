"""Runs one case against the client under test (docs/protocol.md section 4)."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import math
import numbers
import os
import sys
import threading
from typing import Any, Mapping

from . import backend as fake
from .catalogue import FnRegistry, make_fn
from .errors import classify
from .wire import AdapterCannotRun, wire_to_datum

ALL_CAPABILITIES = (
    "async",
    "error_kinds",
    "extra_inputs",
    "future",
    "grad_norms",
    "legacy",
    "max_concurrency",
    "structured",
    "telemetry",
    "timeouts",
)


# ----------------------------------------------------------------------------
# loading the client


def load_target(spec: str) -> Any:
    """`package.module:Attr` or `path/to/file.py:Attr` (Attr may be dotted)."""
    if ":" not in spec:
        raise ValueError(f"--client must look like 'package.module:TrainingClient' or 'file.py:TrainingClient', got {spec!r}")
    where, attr = spec.rsplit(":", 1)
    if where.endswith(".py") or os.sep in where:
        path = os.path.abspath(where)
        name = "regspec_client_" + os.path.splitext(os.path.basename(path))[0]
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot load {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    target: Any = module
    for part in attr.split("."):
        target = getattr(target, part)
    return target


def _params(fn: Any) -> tuple[set[str], bool]:
    if fn is None:
        return set(), False
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return set(), True
    names = {p.name for p in sig.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    var_kw = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
    return names, var_kw


def derive_capabilities(target: Any) -> list[str]:
    declared = getattr(target, "REGSPEC_CAPABILITIES", None)
    if declared is not None:
        return sorted(set(declared))
    caps = {"legacy", "error_kinds"}
    if not inspect.isclass(target):
        return sorted(caps)
    names: set[str] = set()
    for method in ("forward_backward_custom_async", "forward_backward_custom"):
        n, _ = _params(getattr(target, method, None))
        names |= n
    if "regularizers" in names:
        caps |= {"structured", "async"}
    if "track_grad_norms" in names:
        caps.add("grad_norms")
    if "timeout" in names:
        caps.add("timeouts")
    if "max_concurrency" in names:
        caps.add("max_concurrency")
    if "telemetry" in names:
        caps.add("telemetry")
    if hasattr(target, "forward_backward_custom"):
        caps.add("future")
    return sorted(caps)


def describe(target: Any) -> tuple[str, str]:
    name = f"{getattr(target, '__module__', '?')}:{getattr(target, '__qualname__', repr(target))}"
    parts = []
    for dist in ("tinker", "torch"):
        try:
            from importlib.metadata import version

            parts.append(f"{dist} {version(dist)}")
        except Exception:
            pass
    return name, ", ".join(parts) or "unknown"


# ----------------------------------------------------------------------------
# the engine


class Engine:
    def __init__(self, target: Any, telemetry: bool = False):
        """`telemetry`: the engine announces the capability, so each case passes
        a recording sink to the client and reports the events it received."""
        self.target = target
        self.telemetry = telemetry
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="regspec-adapter-loop", daemon=True)
        self._thread.start()

    # -- the client ---------------------------------------------------------------
    def build_client(self, backend: fake.FakeBackend) -> Any:
        target = self.target
        holder = fake.FakeHolder(self.loop, backend)
        if not inspect.isclass(target):
            # A factory: called with the fake backend, returns a client.
            return target(backend)
        client = target.__new__(target)
        names, var_kw = _params(target.__init__)
        names.discard("self")
        if {"holder", "model_seq_id", "model_id"} <= names:
            kwargs: dict[str, Any] = {"holder": holder, "model_seq_id": 0, "model_id": fake.MODEL_ID}
            if "info" in names:
                kwargs["info"] = None
            target.__init__(client, **kwargs)
        else:
            client.holder = holder
            client.model_id = fake.MODEL_ID
        fake.install(client, backend)
        return client

    # -- the call -----------------------------------------------------------------
    def _kwargs(self, client: Any, call: Mapping[str, Any], loss_fn: Any, regularizers: list, future: bool) -> dict:
        method = getattr(client, "forward_backward_custom" if future else "forward_backward_custom_async", None)
        if method is None:
            method = getattr(client, "forward_backward_custom", None)
        names, var_kw = _params(method)

        def accepts(name: str) -> bool:
            return var_kw or name in names

        kwargs: dict[str, Any] = {"loss_fn": loss_fn}
        if accepts("regularizers"):
            kwargs["regularizers"] = regularizers
        elif regularizers:
            raise AdapterCannotRun("the client's forward_backward_custom has no 'regularizers' parameter")
        options = call.get("options") or {}
        track = options.get("track_grad_norms")
        if track is not None:
            if accepts("track_grad_norms"):
                kwargs["track_grad_norms"] = bool(track)
            elif track:
                raise AdapterCannotRun("the client has no 'track_grad_norms' option")
        timeout_ms = options.get("timeout_ms")
        if timeout_ms is not None:
            if not accepts("timeout"):
                raise AdapterCannotRun("the client has no 'timeout' option")
            kwargs["timeout"] = float(timeout_ms) / 1000.0
        max_concurrency = options.get("max_concurrency")
        if max_concurrency is not None:
            if not accepts("max_concurrency"):
                raise AdapterCannotRun("the client has no 'max_concurrency' option")
            kwargs["max_concurrency"] = int(max_concurrency)
        if self.telemetry:
            if not accepts("telemetry"):
                raise AdapterCannotRun("the client has no 'telemetry' option")
            kwargs["telemetry"] = TelemetryRecorder()
        return kwargs

    def accepts_extra_inputs(self) -> bool:
        """Whether the client passes `loss_fn_inputs` other than `target_tokens` and
        `weights` on to the loss (capability `extra_inputs`, semantics section 2).
        Probed, not guessed from a version: one legacy call without an extra input and
        one with `ref_logprobs`. Only when the first succeeds and the second fails does
        the client lack it (tinker 0.16 to 0.31 reject such inputs up front); when both
        fail the probe tells nothing, and the cases that need it judge the client."""

        def probe(extra: bool) -> bool:
            inputs: dict[str, Any] = {
                "target_tokens": {"data": [11, 12], "dtype": "int64", "shape": [2]},
                "weights": {"data": [1.0, 1.0], "dtype": "float32", "shape": [2]},
            }
            if extra:
                inputs["ref_logprobs"] = {"data": [-0.5, -1.0], "dtype": "float32", "shape": [2]}
            case = {
                "id": "regspec-adapter/extra-inputs-probe",
                "data": [{"model_input": {"chunks": [{"type": "encoded_text", "tokens": [10, 11]}]}, "loss_fn_inputs": inputs}],
                "logprobs": [[-0.25, -0.75]],
                "call": {"loss_fn": {"name": "sum"}},
            }
            try:
                return self.run_case(case).get("outcome") == "success"
            except Exception:
                return False

        return probe(extra=True) or not probe(extra=False)

    def _call_async(self, client: Any, data: list, kwargs: dict) -> Any:
        async def drive():
            method = getattr(client, "forward_backward_custom_async", None)
            if method is None:
                return await asyncio.to_thread(self._call_future, client, data, kwargs)
            result = method(data, **kwargs)
            while inspect.isawaitable(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(drive(), self.loop).result()

    @staticmethod
    def _call_future(client: Any, data: list, kwargs: dict) -> Any:
        result = client.forward_backward_custom(data, **kwargs)
        # Wait on the future (and on a future of a future, as tinker 0.7.0's
        # sync form returns the backward pass's APIFuture).
        while not _is_output(result) and callable(getattr(result, "result", None)):
            result = result.result()
        return result

    def run_case(self, case: Mapping[str, Any]) -> dict:
        backend = fake.FakeBackend(case.get("logprobs") or [])
        call = case.get("call") or {}
        data = [wire_to_datum(d, i) for i, d in enumerate(case.get("data") or [])]
        registry = FnRegistry()

        loss_fn = None
        fn_labels: list[str] = []
        if call.get("loss_fn") is not None:
            loss_fn = make_fn(call["loss_fn"], "loss_fn", registry)
            fn_labels.append("loss_fn")
        regularizers = []
        for i, entry in enumerate(call.get("regularizers") or []):
            if not isinstance(entry, Mapping):
                regularizers.append(entry)
                continue
            name = entry.get("name")
            label = name if isinstance(name, str) else None
            converted = {}
            for key, value in entry.items():
                if key == "fn" and isinstance(value, Mapping):
                    converted[key] = make_fn(value, label, registry)
                else:
                    converted[key] = value
            regularizers.append(converted)
            fn_labels.append(label if label is not None else f"regularizers[{i}]")

        client = self.build_client(backend)
        future = (call.get("entry_point") or "call") == "future"
        kwargs = self._kwargs(client, call, loss_fn, regularizers, future)
        try:
            if future:
                result = self._call_future(client, data, kwargs)
            else:
                result = self._call_async(client, data, kwargs)
        except AdapterCannotRun:
            raise
        except (Exception, asyncio.CancelledError) as exc:
            error = classify(exc, registry, fn_labels)
            return self._with_telemetry(
                {"outcome": "error", "error": error, "requests": backend.requests()}, kwargs, registry, error
            )

        metrics = getattr(result, "metrics", None)
        if metrics is None and isinstance(result, Mapping):
            metrics = result.get("metrics")
        try:
            reported = metrics_to_json(metrics, "metrics")
        except MetricNotANumber as bad:
            return {
                "outcome": "error",
                "error": {"kind": None, "label": None, "message": str(bad), "type": "MetricNotANumber"},
                "requests": backend.requests(),
            }
        return self._with_telemetry(
            {"outcome": "success", "metrics": reported, "requests": backend.requests()}, kwargs, registry, None
        )

    @staticmethod
    def _with_telemetry(observation: dict, kwargs: dict, registry: FnRegistry, error: dict | None) -> dict:
        recorder = kwargs.get("telemetry")
        if isinstance(recorder, TelemetryRecorder):
            observation["telemetry"] = recorder.wire_events(registry, error)
        return observation


class TelemetryRecorder:
    """The telemetry sink passed to the client: keeps each event (a dict with an
    `"event"` key) as emitted, from any thread, and writes them in the
    protocol's form (docs/protocol.md section 6.1)."""

    FIELDS = {
        "call_started": ("mode", "fn_count"),
        "fn_started": ("label",),
        "fn_stopped": ("label", "duration", "value", "contribution"),
        "fn_failed": ("label", "kind"),
        "call_stopped": ("duration", "loss_total"),
        "call_failed": ("duration", "kind", "label"),
    }

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.events: list[Any] = []

    def __call__(self, event: Any) -> None:
        with self._lock:
            self.events.append(event)

    def wire_events(self, registry: FnRegistry, error: dict | None) -> list[dict]:
        """Each event with exactly its protocol fields. An implementation that
        gives no language-neutral `kind` has it classified as the call's error
        is: `fn_failed` from its `error`, `call_failed` from the call's error."""
        with self._lock:
            events = list(self.events)
        out = []
        for event in events:
            if not isinstance(event, Mapping) or event.get("event") not in self.FIELDS:
                name = event.get("event") if isinstance(event, Mapping) else event
                raise AdapterCannotRun(f"the client emitted a telemetry event the protocol does not know: {_short(name)}")
            name = event["event"]
            wire: dict[str, Any] = {"event": name}
            for field in self.FIELDS[name]:
                wire[field] = _event_field(field, event.get(field))
            if name == "fn_failed" and wire["kind"] is None and isinstance(event.get("error"), BaseException):
                label = wire["label"]
                wire["kind"] = classify(event["error"], registry, [label] if isinstance(label, str) else [])["kind"]
            if name == "call_failed" and error is not None:
                if wire["kind"] is None:
                    wire["kind"] = error.get("kind")
                if wire["label"] is None:
                    wire["label"] = error.get("label")
            out.append(wire)
        return out


def _event_field(field: str, value: Any) -> Any:
    """A field's value as the protocol writes it: numbers as floats (tensor and
    numpy scalars included), fn_count as an integer, names as strings, else null."""
    if value is None:
        return None
    if field == "fn_count":
        return int(value) if isinstance(value, numbers.Integral) and not isinstance(value, bool) else None
    if field in ("mode", "label", "kind"):
        return value if isinstance(value, str) else None
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _is_output(value: Any) -> bool:
    return hasattr(value, "metrics") and hasattr(value, "loss_fn_outputs")


# ----------------------------------------------------------------------------
# metrics -> JSON


class MetricNotANumber(Exception):
    pass


def metrics_to_json(value: Any, path: str) -> Any:
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise MetricNotANumber(f"result.{path} has a key {key!r} that is not a string")
            out[key] = metrics_to_json(item, f"{path}.{key}")
        return out
    if path == "metrics":
        raise MetricNotANumber(f"result.metrics is {type(value).__name__}, not a mapping")
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int):
        return value
    if isinstance(value, numbers.Integral) and not _is_bool_like(value):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if _is_bool_like(value):
        return 1.0 if bool(value) else 0.0
    # one-element torch tensors and numpy arrays
    numel = getattr(value, "numel", None) or getattr(value, "size", None)
    try:
        count = numel() if callable(numel) else numel
    except Exception:
        count = None
    if count == 1 and hasattr(value, "item"):
        item = value.item()
        if isinstance(item, (bool, int, float)):
            return metrics_to_json(item, path)
    raise MetricNotANumber(
        f"result.{path} is {type(value).__name__} {_short(value)}, not a number; the implementation returned a metric the protocol cannot carry"
    )


def _is_bool_like(value: Any) -> bool:
    return type(value).__name__ in ("bool_", "bool")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def finite(x: float) -> bool:
    return math.isfinite(x)
