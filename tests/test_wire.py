"""The wire format: round trips, and nothing but numbers comes back from a child."""

import base64
import json

import numpy as np
import pytest

from autograder import records
from autograder.sandbox import wire


def test_records_round_trip():
    call = records.Call("backprop", (records.Tensor(np.ones((2, 3)), "float32", True), 0.5, None,
                                     (records.Probe("sgd", (0.1,)),)), (("seed", 0),), True)
    back = wire.loads(wire.dumps(call))
    assert back.function == "backprop" and back.manual is True
    assert back.args[0].dtype == "float32" and back.args[0].variable is True
    np.testing.assert_allclose(back.args[0].value, np.ones((2, 3)))


def test_arrays_come_back_as_plain_float64_with_nan_and_inf():
    value = np.array([[1.5, np.nan], [np.inf, -2.0]])
    back = wire.loads(wire.dumps(records.Outcome("ok", value=value)))
    assert type(back.value) is np.ndarray and back.value.dtype == np.float64
    assert np.isnan(back.value[0, 1]) and np.isinf(back.value[1, 0])


def test_subclass_is_reduced_to_its_numbers():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True

    back = wire.loads(wire.dumps(np.arange(3.0).view(Liar)))
    assert type(back) is np.ndarray


@pytest.mark.parametrize("payload", [
    b"not json",
    json.dumps({"record": "Popen", "fields": []}).encode(),
    json.dumps({"nd": base64.b64encode(b"\0" * 8).decode(), "shape": [2]}).encode(),
    json.dumps({"__reduce__": "os.system"}).encode(),
    b"[" * 200_000 + b"]" * 200_000,  # deeper than Python's stack: json.loads raises RecursionError
    json.dumps({"record": "Outcome", "fields": [["status", "ok"], ["score", 1.0]]}).encode(),  # no such field
    json.dumps({"nd": "AAAAAAAAAAA=", "shape": ["x"]}).encode(),  # a shape that is not numbers
    b'{"nd": "AAAAAAAAAAA=", "shape": [1e309]}',  # a shape that overflows
])
def test_malformed_or_hostile_messages_are_rejected(payload):
    with pytest.raises(wire.WireError):
        wire.loads(payload)
