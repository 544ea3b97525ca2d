"""Probes are declared once in their exercise (autograder.probes.Shipped) and built in the child from source.

The child cannot import the checks, so what it builds must come from the source alone; and the
TensorFlow form the learner gets, the numpy form and the gradient the oracle uses must be one
function, or a correct submission would be graded against another.
"""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
import tensorflow as tf

from autograder import checks, oracle, probes


def declared_probes():
    """Every Shipped in the checks modules and the shared oracle, by where it is declared."""
    modules = [oracle] + [importlib.import_module(f"autograder.checks.{m.name}")
                          for m in pkgutil.iter_modules(checks.__path__) if m.name.startswith("ex")]
    return {f"{module.__name__}.{name}": value for module in modules for name, value in vars(module).items()
            if isinstance(value, probes.Shipped)}


def test_the_exercises_declare_their_probes():
    assert {"autograder.oracle.WAVY", "autograder.checks.ex01_tape_basics.BOWL",
            "autograder.checks.ex06_keras_tape_loop.KERAS_MLP"} <= set(declared_probes())


@pytest.mark.parametrize("where", sorted(declared_probes()))
def test_every_form_is_self_contained_source(where):
    """Each form runs in a namespace holding nothing of the module it was declared in."""
    shipped = declared_probes()[where]
    for form in (shipped.tensorflow, shipped.numpy):
        if form is None:
            continue
        probe = probes.ship(form)
        namespace: dict = {"__builtins__": __builtins__}
        exec(compile(probe.source, "<test>", "exec"), namespace)  # noqa: S102 - the grader's own source
        assert callable(namespace[form.__name__])
        assert form.__code__.co_freevars == (), f"{where}: {form.__name__} closes over a variable of its module"


def test_wavy_forms_and_gradient_are_one_function():
    r = np.random.default_rng(0)
    x, a = r.normal(size=(3, 4)), r.uniform(0.5, 2.0, size=(3, 4))
    f = probes.build(oracle.WAVY.probe(a))  # as the child builds it: from the shipped source
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = f(xv)
    np.testing.assert_allclose(float(y), oracle.WAVY.value(a)(x), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tape.gradient(y, xv).numpy(), oracle.WAVY.gradient(a, x), rtol=1e-10, atol=1e-12)
    g = probes.build(oracle.WAVY.numpy_probe(a))
    assert g(x) == oracle.WAVY.value(a)(x)


def test_only_a_plain_def_can_be_shipped():
    with pytest.raises(ValueError, match="plain top-level def"):
        probes.ship(lambda x: x)
