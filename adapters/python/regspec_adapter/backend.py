"""The fake backend (docs/protocol.md section 5) and how it is plugged into a client.

`FakeBackend` serves each case's logprobs by position, records every request
as wire JSON the moment it arrives, and answers `forward_backward` with
`loss:sum = sum(-weights * logprobs)`. Nothing here opens a socket.

Plugging it into tinker's `TrainingClient` (see README.md, "How the client is
driven"):

* the client is made with `cls.__new__(cls)` and the SDK's own `__init__`,
  called with a `FakeHolder` instead of the `InternalClientHolder` that
  `ServiceClient` would build (the `__init__` of 0.7.0 and 0.38.0 only stores
  attributes);
* the instance gets fake `forward_async` / `forward_backward_async` /
  `forward` / `forward_backward` methods, and for SDKs that route custom
  losses through `_run_fwd_bwd` (0.38.0) a fake `_run_fwd_bwd`; each returns an
  already resolved `APIFuture`;
* `FakeHolder` runs coroutines on the adapter's event loop
  (`run_coroutine_threadsafe`, which the SDK's future forms use), reports no
  telemetry, and raises if anything asks it for an HTTP client.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import math
import threading
import types as pytypes
from typing import Any, Callable, List

from .wire import datum_to_wire, float32

MODEL_ID = "regspec-fake-model"
SESSION_ID = "regspec-fake-session"


class BackendError(Exception):
    """An error of the fake backend (the 'server'); the adapter reports it with kind null."""


try:  # the SDK's future base class, so that isinstance checks in the SDK pass
    from tinker.lib.public_interfaces.api_future import APIFuture as _APIFutureBase
    from tinker.lib.public_interfaces.api_future import AwaitableConcurrentFuture as _AwaitableConcurrentFuture
except Exception:  # pragma: no cover - a client that is not built on tinker
    _APIFutureBase = object
    _AwaitableConcurrentFuture = None


class ResolvedFuture(_APIFutureBase):  # type: ignore[misc, valid-type]
    """An `APIFuture` that already holds the backend's answer (or its error)."""

    def __init__(self, value: Any = None, error: BaseException | None = None):
        self._value = value
        self._error = error

    async def result_async(self, timeout: float | None = None) -> Any:
        if self._error is not None:
            raise self._error
        return self._value

    def result(self, timeout: float | None = None) -> Any:
        if self._error is not None:
            raise self._error
        return self._value

    def future(self) -> concurrent.futures.Future:
        """The answer as a resolved concurrent future (an abstract method in tinker 0.38.0)."""
        done: concurrent.futures.Future = concurrent.futures.Future()
        if self._error is not None:
            done.set_exception(self._error)
        else:
            done.set_result(self._value)
        return done

    def __await__(self):
        return self.result_async().__await__()


class _ConcurrentFutureWrapper:  # pragma: no cover - used only without tinker
    def __init__(self, future: concurrent.futures.Future):
        self._future = future

    def result(self, timeout: float | None = None) -> Any:
        return self._future.result(timeout)

    async def result_async(self, timeout: float | None = None) -> Any:
        return await asyncio.wait_for(asyncio.wrap_future(self._future), timeout)

    def future(self) -> concurrent.futures.Future:
        return self._future

    def __await__(self):
        return self.result_async().__await__()


class FakeBackend:
    """Serves fixed logprobs by position and records every request."""

    def __init__(self, logprobs: List[List[float]]):
        # Served as float32, as the service does: rounded once, here.
        self.logprobs = [[float32(float(x)) for x in row] for row in logprobs]
        self.forward_requests: list[dict] = []
        self.backward_requests: list[dict] = []
        self.optim_steps = 0
        self._lock = threading.Lock()

    # -- recording -------------------------------------------------------------
    def _record(self, into: list, data: Any, loss_fn: Any) -> list:
        datums = list(data or [])
        wire = {"loss_fn": str(loss_fn), "data": [datum_to_wire(d) for d in datums]}
        with self._lock:
            into.append(wire)
        return wire["data"]

    def requests(self) -> dict:
        with self._lock:
            return {"forward": list(self.forward_requests), "backward": list(self.backward_requests)}

    # -- serving ---------------------------------------------------------------
    def _serve(self, wire_data: list, loss_fn: Any) -> list[tuple[list[float], list[int]]]:
        if loss_fn != "cross_entropy":
            raise BackendError(f"the fake backend only serves the cross_entropy loss, not {loss_fn!r}")
        served = []
        for i, datum in enumerate(wire_data):
            targets = datum["loss_fn_inputs"].get("target_tokens")
            if targets is None:
                raise BackendError(f"datum {i} of the request has no target_tokens, so it has no logprobs")
            shape = targets.get("shape")
            if shape is None:
                shape = [len(targets["data"])]
            if i >= len(self.logprobs):
                raise BackendError(f"the request has a datum {i} but the case serves only {len(self.logprobs)} logprob rows")
            row = self.logprobs[i]
            if len(row) != math.prod(shape):
                raise BackendError(f"datum {i}: its target_tokens have shape {shape} but the case serves {len(row)} logprobs")
            served.append((row, list(shape)))
        return served

    def _output(self, served, metrics: dict):
        from tinker import types

        outputs = [
            {"logprobs": types.TensorData(data=list(row), dtype="float32", shape=list(shape))}
            for row, shape in served
        ]
        return types.ForwardBackwardOutput(loss_fn_output_type="ArrayRecord", loss_fn_outputs=outputs, metrics=metrics)

    def forward(self, data: Any, loss_fn: Any):
        wire = self._record(self.forward_requests, data, loss_fn)
        served = self._serve(wire, loss_fn)
        return self._output(served, {})

    def forward_backward(self, data: Any, loss_fn: Any):
        wire = self._record(self.backward_requests, data, loss_fn)
        served = self._serve(wire, loss_fn)
        total = 0.0
        for i, (datum, (row, _shape)) in enumerate(zip(wire, served)):
            weights = datum["loss_fn_inputs"].get("weights")
            w = [1.0] * len(row) if weights is None else [float(x) for x in weights["data"]]
            if len(w) != len(row):
                raise BackendError(f"datum {i}: {len(w)} weights for {len(row)} logprobs")
            for wk, lk in zip(w, row):
                total += -wk * lk
        return self._output(served, {"loss:sum": total})

    def optim_step(self, *args: Any, **kwargs: Any):
        with self._lock:
            self.optim_steps += 1
        return None

    # -- futures -----------------------------------------------------------------
    def future_of(self, fn: Callable[[], Any]) -> ResolvedFuture:
        try:
            return ResolvedFuture(value=fn())
        except BackendError as exc:
            return ResolvedFuture(error=exc)


class FakeHolder:
    """Stands in for tinker's InternalClientHolder: an event loop, no network, no telemetry."""

    def __init__(self, loop: asyncio.AbstractEventLoop, backend: FakeBackend):
        self._loop = loop
        self.backend = backend
        self._sampling_client_counter = 0
        self._client_config = pytypes.SimpleNamespace(
            fwdbwd_max_chunk_len=1 << 30,
            fwdbwd_max_chunk_bytes_count=1 << 62,
            parallel_fwdbwd_chunks=False,
        )

    def get_loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    def get_telemetry(self) -> None:
        return None

    def get_session_id(self) -> str:
        return SESSION_ID

    def run_coroutine_threadsafe(self, coro):
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        if _AwaitableConcurrentFuture is not None:
            return _AwaitableConcurrentFuture(future)
        return _ConcurrentFutureWrapper(future)  # pragma: no cover

    def estimate_bytes_count_in_model_input(self, model_input: Any) -> int:
        return sum(len(getattr(c, "tokens", ()) or ()) for c in getattr(model_input, "chunks", ())) * 10

    def aclient(self, *args: Any, **kwargs: Any):
        raise BackendError("the regspec adapter has no network: the client asked for an HTTP client")

    async def execute_with_retries(self, *args: Any, **kwargs: Any):
        raise BackendError("the regspec adapter has no network: the client tried to send a request itself")

    def close(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"FakeHolder has no {name!r} (the regspec adapter serves no network)")


def _empty_output():
    from tinker import types

    return types.ForwardBackwardOutput(loss_fn_output_type="", loss_fn_outputs=[], metrics={})


def install(client: Any, backend: FakeBackend) -> None:
    """Replace the client's request methods by the fake backend's.

    These stand in for the SDK's own methods, so they keep the SDK's client-side
    behaviour: tinker splits a batch into chunks and sends one request per
    chunk, so an empty batch reaches the server as no request at all and
    yields an empty output (0.7.0's `combine_fwd_bwd_output_results([])`).
    (SDKs with `_run_fwd_bwd`, 0.38.0, raise `ValueError("No data provided")`
    instead, as they do.) A non-empty batch is recorded as one request,
    whatever its size.
    """
    routes_through_run_fwd_bwd = hasattr(type(client), "_run_fwd_bwd")

    def serve(data, loss_fn, method):
        if not list(data or []):
            if routes_through_run_fwd_bwd:
                raise ValueError("No data provided")
            return ResolvedFuture(value=_empty_output())
        return backend.future_of(lambda: method(data, loss_fn))

    async def forward_async(data, loss_fn, loss_fn_config=None, *args, **kwargs):
        return serve(data, loss_fn, backend.forward)

    async def forward_backward_async(data, loss_fn, loss_fn_config=None, *args, **kwargs):
        return serve(data, loss_fn, backend.forward_backward)

    def forward(data, loss_fn, loss_fn_config=None, *args, **kwargs):
        return serve(data, loss_fn, backend.forward)

    def forward_backward(data, loss_fn, loss_fn_config=None, *args, **kwargs):
        return serve(data, loss_fn, backend.forward_backward)

    def _run_fwd_bwd(requests, loss_fn, loss_fn_config=None, *, forward_only=False, **kwargs):
        # 0.38.0-style: one logical request made of reserved chunks.
        if not requests:
            raise ValueError("No data provided")
        data = [d for chunk in requests for d in getattr(chunk, "data", chunk)]
        if forward_only:
            return backend.future_of(lambda: backend.forward(data, loss_fn))
        return backend.future_of(lambda: backend.forward_backward(data, loss_fn))

    def optim_step(*args, **kwargs):
        return ResolvedFuture(value=backend.optim_step(*args, **kwargs))

    async def optim_step_async(*args, **kwargs):
        return optim_step(*args, **kwargs)

    client.forward_async = forward_async
    client.forward_backward_async = forward_backward_async
    client.forward = forward
    client.forward_backward = forward_backward
    client.optim_step = optim_step
    client.optim_step_async = optim_step_async
    if routes_through_run_fwd_bwd:
        client._run_fwd_bwd = _run_fwd_bwd
