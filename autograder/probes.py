"""Grader-owned objects handed to learner functions: test functions, Keras models, optimizers, losses.

Learner functions such as ``grad_wrt_constant(f, x0)`` take callables and Keras objects, which
cannot cross the process boundary, and the child cannot import the exercise's checks module (the
jail hides the ``autograder`` folder; the child has only the modules the fork server imported).
So a probe that belongs to an exercise is declared there, once, as a ``Shipped``: its TensorFlow
form, its numpy form and its gradient side by side, each a self-contained top-level function of
the probe's parameters that returns the object.  The trusted side sends the form's *source* in the
``records.Probe`` (the way Dask ships a function to a worker) and the child ``exec``\\s it in a
fresh namespace; the oracle calls the numpy form and the gradient directly, so the formula the
learner is given and the one the grader checks against are the same lines.

A shipped form must be self-contained: it imports what it uses (``import tensorflow as tf``
inside the function, a dictionary look-up in the child, where TensorFlow is already imported) and
reads no module globals.  Only builders that really are generic (a Keras SGD optimizer, Keras
losses) are known to the child by name.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np

from autograder import records

SOURCE = "source:"  # Probe.name prefix of a shipped form; the rest is the function's name


def _tf():
    import tensorflow as tf

    return tf


# ---------------------------------------------------------------------------------------------
# The trusted side: declaring a probe in an exercise module
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _source_of(function: Callable) -> str:
    import inspect
    import textwrap

    source = textwrap.dedent(inspect.getsource(function))
    if function.__name__ == "<lambda>" or not source.startswith("def "):
        raise ValueError(f"{function!r}: a shipped form must be a plain top-level def (it is sent as source)")
    return source


def ship(function: Callable, *params) -> records.Probe:
    """A Probe the child builds by running ``function``'s source and calling it with ``params``."""
    return records.Probe(f"{SOURCE}{function.__name__}", tuple(params), _source_of(function))


@dataclass(frozen=True)
class Shipped:
    """One grader-owned object declared once: the form the learner receives and the oracle's twins.

    ``tensorflow(*params)`` returns what the learner gets (a function of tensors, a Keras model);
    ``numpy(*params)`` returns the same function on float64 arrays (a float out), for the oracle and
    for exercises that hand the learner a numpy function; ``gradient(*params, x)`` its gradient.
    """

    tensorflow: Callable
    numpy: Callable | None = None
    gradient: Callable | None = None

    def probe(self, *params) -> records.Probe:
        return ship(self.tensorflow, *params)

    def numpy_probe(self, *params) -> records.Probe:
        return ship(self.numpy, *params)

    def value(self, *params) -> Callable:
        """The numpy form, here on the trusted side."""
        return self.numpy(*params)


# ---------------------------------------------------------------------------------------------
# The child: building a Probe
# ---------------------------------------------------------------------------------------------


def _build_shipped(probe):
    name = probe.name[len(SOURCE):]
    namespace: dict = {"__name__": f"probe_{name}", "__builtins__": __builtins__}
    # the source is the grader's own (from the trusted side, over the wire), never the learner's
    exec(compile(probe.source, f"<grader probe {name}>", "exec"), namespace)  # noqa: S102
    return namespace[name](*probe.params)


def build(probe):
    """Build a ``records.Probe`` in the child."""
    if probe.name.startswith(SOURCE):
        return _build_shipped(probe)
    tf = _tf()
    name, params = probe.name, tuple(probe.params)
    if name == "sgd":
        (lr,) = params
        return tf.keras.optimizers.SGD(float(lr))
    if name == "sparse_cce":
        return tf.keras.losses.SparseCategoricalCrossentropy()
    if name == "sparse_cce_sum":
        # summed over the batch instead of averaged: a train_step that ignores the loss_fn it is
        # given (and builds its own SparseCategoricalCrossentropy) takes a step n times too small
        return tf.keras.losses.SparseCategoricalCrossentropy(reduction="sum")
    raise KeyError(f"unknown probe {name!r}")


def state_of(obj):
    """The plain numbers a probe holds after a call (a Keras model: its weights)."""
    if hasattr(obj, "get_weights"):
        return tuple(np.asarray(w, dtype=np.float64) for w in obj.get_weights())
    return None
