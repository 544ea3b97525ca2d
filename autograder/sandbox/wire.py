"""The only format that crosses the process boundary: JSON with float64 arrays, nothing executable.

The trusted side never unpickles what the child wrote; it decodes numbers, strings and lists
and rebuilds every array itself as a fresh, plain float64 ``numpy.ndarray``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import fields, is_dataclass

import numpy as np

from autograder import records

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_RECORD_TYPES = {cls.__name__: cls for cls in (records.Tensor, records.Array, records.Probe, records.Call, records.Load,
                                                    records.Outcome)}


class WireError(ValueError):
    """A message that is not in the wire format (from a broken or hostile child)."""


def _encode(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)):
        return float(value) if isinstance(value, float) else int(value)
    if isinstance(value, np.ndarray):
        data = np.ascontiguousarray(value, dtype="<f8")
        return {"nd": base64.b64encode(data.tobytes()).decode("ascii"), "shape": list(data.shape)}
    if isinstance(value, (tuple, list)):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        return {"map": [[str(k), _encode(v)] for k, v in value.items()]}
    if is_dataclass(value) and type(value).__name__ in _RECORD_TYPES:
        return {"record": type(value).__name__,
                "fields": [[f.name, _encode(getattr(value, f.name))] for f in fields(value)]}
    raise TypeError(f"cannot send a {type(value).__name__} over the wire")


def _decode(node, depth=0):
    if depth > 64:
        raise WireError("nested too deeply")
    if node is None or isinstance(node, (bool, str, int, float)):
        return node
    if isinstance(node, list):
        return tuple(_decode(item, depth + 1) for item in node)
    if isinstance(node, dict):
        if set(node) == {"nd", "shape"}:
            shape = tuple(int(n) for n in node["shape"])
            raw = base64.b64decode(node["nd"], validate=True)
            if len(raw) != 8 * int(np.prod(shape, dtype=np.int64)):
                raise WireError("array size does not match its shape")
            return np.frombuffer(raw, dtype="<f8").reshape(shape).astype(np.float64)
        if set(node) == {"map"}:
            return {str(k): _decode(v, depth + 1) for k, v in node["map"]}
        if set(node) == {"record", "fields"} and node["record"] in _RECORD_TYPES:
            cls = _RECORD_TYPES[node["record"]]
            return cls(**{str(k): _decode(v, depth + 1) for k, v in node["fields"]})
    raise WireError(f"unexpected {type(node).__name__} in message")


def dumps(value) -> bytes:
    return json.dumps(_encode(value), allow_nan=True).encode("utf-8")


def loads(data: bytes):
    if len(data) > MAX_MESSAGE_BYTES:
        raise WireError("message too large")
    try:
        node = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"not JSON: {exc}") from None
    except RecursionError:  # JSON nested deeper than Python's stack: a hostile child's reply
        raise WireError("nested too deeply") from None
    try:
        return _decode(node)
    except WireError:
        raise
    except (TypeError, ValueError, KeyError, ArithmeticError, RecursionError) as exc:  # e.g. a record with a field it lacks
        raise WireError(f"not a message: {type(exc).__name__}: {str(exc)[:200]}") from None
