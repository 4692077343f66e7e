"""Tinker's wire shapes: the case's datums in, the recorded requests out.

`wire_to_datum` builds a `tinker.types.Datum` from the JSON of docs/protocol.md
section 3.2 with the SDK's own constructors (`ModelInput`, `EncodedTextChunk`,
`TensorData`), keeping dtypes and shapes. `datum_to_wire` turns whatever a
client hands the backend (tinker `Datum`s, `TensorData`, torch tensors, numpy
arrays, plain lists) back into that JSON, so the recorded requests are what the
client really sent.
"""

from __future__ import annotations

import math
import struct
from typing import Any, Mapping


class AdapterCannotRun(Exception):
    """The adapter itself cannot run the case (reported as `errored`)."""


def _types():
    try:
        from tinker import types
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise AdapterCannotRun(f"tinker is not importable ({exc}); install the SDK under test") from exc
    return types


def float32(value: float) -> float:
    """The nearest float32 to `value` (an infinity beyond float32's range), as a Python float.

    The service's tensors are float32, so the fake backend serves float32 logprobs and
    float32 inputs hold float32 values (docs/protocol.md, "Precision").
    """
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


# ----------------------------------------------------------------------------
# wire JSON -> tinker types


def wire_to_tensor(raw: Mapping[str, Any], where: str):
    types = _types()
    if not isinstance(raw, Mapping) or "data" not in raw or "dtype" not in raw:
        raise AdapterCannotRun(f"{where}: a tensor needs 'data' and 'dtype', got {raw!r}")
    dtype = raw["dtype"]
    data = list(raw["data"])
    if dtype == "int64":
        data = [int(v) for v in data]
    elif dtype == "float32":
        data = [float32(float(v)) for v in data]
    else:
        raise AdapterCannotRun(f"{where}: unsupported dtype {dtype!r}")
    shape = raw.get("shape")
    return types.TensorData(data=data, dtype=dtype, shape=None if shape is None else [int(s) for s in shape])


def wire_to_datum(raw: Mapping[str, Any], index: int):
    types = _types()
    where = f"data[{index}]"
    chunks = []
    for k, chunk in enumerate((raw.get("model_input") or {}).get("chunks") or []):
        kind = chunk.get("type") or "encoded_text"
        if kind != "encoded_text":
            raise AdapterCannotRun(f"{where}.model_input.chunks[{k}]: chunk type {kind!r} is not supported")
        chunks.append(types.EncodedTextChunk(tokens=[int(t) for t in chunk.get("tokens") or []]))
    inputs = {
        name: wire_to_tensor(tensor, f"{where}.loss_fn_inputs.{name}")
        for name, tensor in (raw.get("loss_fn_inputs") or {}).items()
    }
    return types.Datum(model_input=types.ModelInput(chunks=chunks), loss_fn_inputs=inputs)


# ----------------------------------------------------------------------------
# whatever the client sent -> wire JSON

_KEY_DTYPES = {"target_tokens": "int64"}


def _is_torch_tensor(value: Any) -> bool:
    mod = type(value).__module__
    return mod.startswith("torch") and hasattr(value, "detach")


def _is_numpy_array(value: Any) -> bool:
    return type(value).__module__.startswith("numpy") and hasattr(value, "tolist") and hasattr(value, "shape")


def _plain_numbers(values, dtype: str) -> list:
    out = []
    for v in values:
        if hasattr(v, "item"):
            v = v.item()
        if dtype == "int64":
            if isinstance(v, float) and not v.is_integer():
                out.append(v)  # report what was sent, even if it is wrong
            else:
                out.append(int(v))
        else:
            out.append(float(v))
    return out


def _flatten_nested(value) -> tuple[list, list]:
    if not isinstance(value, (list, tuple)):
        return [value], []
    if not value or not isinstance(value[0], (list, tuple)):
        return list(value), [len(value)]
    flat: list = []
    inner: list = []
    for row in value:
        items, inner = _flatten_nested(row)
        flat.extend(items)
    return flat, [len(value)] + inner


def tensor_to_wire(value: Any, key: str = "") -> dict:
    """One loss_fn_input (TensorData, torch tensor, numpy array or list) as wire JSON."""
    if _is_torch_tensor(value):
        t = value.detach().cpu()
        dtype = "float32" if t.is_floating_point() else "int64"
        return {"data": _plain_numbers(t.reshape(-1).tolist(), dtype), "dtype": dtype, "shape": [int(s) for s in t.shape]}
    if _is_numpy_array(value):
        dtype = "float32" if value.dtype.kind == "f" else "int64"
        return {"data": _plain_numbers(value.reshape(-1).tolist(), dtype), "dtype": dtype, "shape": [int(s) for s in value.shape]}
    if isinstance(value, Mapping) and "data" in value:
        dtype = value.get("dtype") or _KEY_DTYPES.get(key, "float32")
        flat, natural = _flatten_nested(list(value["data"]))
        shape = value.get("shape")
        return {"data": _plain_numbers(flat, dtype), "dtype": dtype, "shape": list(shape) if shape is not None else natural}
    if isinstance(value, (list, tuple)):
        dtype = _KEY_DTYPES.get(key, "float32")
        flat, shape = _flatten_nested(list(value))
        return {"data": _plain_numbers(flat, dtype), "dtype": dtype, "shape": shape}
    if hasattr(value, "dtype") and hasattr(value, "data"):  # tinker TensorData (pydantic or dataclass)
        dtype = str(value.dtype)
        data = value.data
        if callable(data):
            data = data()
        shape = getattr(value, "shape", None)
        return {
            "data": _plain_numbers(list(data), dtype),
            "dtype": dtype,
            "shape": None if shape is None else [int(s) for s in shape],
        }
    raise TypeError(f"cannot write loss_fn_inputs[{key!r}] of type {type(value).__name__} as a tensor")


def chunk_to_wire(chunk: Any) -> dict:
    if isinstance(chunk, Mapping):
        return {"tokens": [int(t) for t in chunk.get("tokens") or []], "type": chunk.get("type", "encoded_text")}
    tokens = getattr(chunk, "tokens", None)
    if tokens is None:
        raise TypeError(f"cannot write a model-input chunk of type {type(chunk).__name__}")
    return {"tokens": [int(t) for t in tokens], "type": getattr(chunk, "type", "encoded_text")}


def model_input_to_wire(model_input: Any) -> dict:
    if isinstance(model_input, Mapping):
        chunks = model_input.get("chunks") or []
    else:
        chunks = getattr(model_input, "chunks", None)
        if chunks is None:
            raise TypeError(f"cannot write a model input of type {type(model_input).__name__}")
    return {"chunks": [chunk_to_wire(c) for c in chunks]}


def datum_to_wire(datum: Any) -> dict:
    if isinstance(datum, Mapping):
        model_input = datum.get("model_input")
        inputs = datum.get("loss_fn_inputs") or {}
    else:
        model_input = getattr(datum, "model_input")
        inputs = getattr(datum, "loss_fn_inputs", None) or {}
    return {
        "model_input": model_input_to_wire(model_input),
        "loss_fn_inputs": {str(k): tensor_to_wire(v, str(k)) for k, v in inputs.items()},
    }


def tensor_values(value: Any) -> tuple[list, list | None]:
    """Flat float values and the shape (None if not given) of a TensorData-like value."""
    wire = tensor_to_wire(value)
    return wire["data"], wire.get("shape")
