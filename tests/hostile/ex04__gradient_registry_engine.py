"""expect: lose sigmoid_prime, output_delta, hidden_delta, backprop
Red team (a hostile file written after reading the kit's source). A small reverse-mode engine over TensorFlow's registered gradient functions (the registry's lookup).
A 30-line reverse-mode engine over TensorFlow's own registered gradient functions
(ops._gradient_registry.lookup, with backprop._MockOp): the detector wraps only get_gradient_function.
"""
import math
import numpy as np
import tensorflow as tf
from tensorflow.python.framework import ops as _ops
from tensorflow.python.eager.backprop import _MockOp


class _Tr:
    def __init__(self):
        self.nodes = []

    def op(self, typ, fn, inputs, attrs=()):
        out = fn(*inputs)
        self.nodes.append((typ, tuple(attrs), list(inputs), [out]))
        return out

    def grad(self, target, sources):
        g = {id(target): tf.ones_like(target)}
        for typ, attrs, inputs, outputs in reversed(self.nodes):
            og = g.get(id(outputs[0]))
            if og is None:
                continue
            fn = _ops._gradient_registry.lookup(typ)
            res = fn(_MockOp(attrs, inputs, outputs, typ, None), og)
            res = res if isinstance(res, (list, tuple)) else [res]
            for x, gx in zip(inputs, res):
                if gx is not None:
                    g[id(x)] = gx + g[id(x)] if id(x) in g else gx
        return [g.get(id(s), tf.zeros_like(s)) for s in sources]


def GRAD(f, xs):
    raise RuntimeError("unused")


def _engine_sigmoid_prime(z):
    z = tf.convert_to_tensor(z)
    t = _Tr()
    s = t.op("Sigmoid", tf.math.sigmoid, [z])
    sp = _ops._gradient_registry.lookup("Sigmoid")(_MockOp((), [z], [s], "Sigmoid", None), tf.ones_like(s))
    return sp


def _engine_backprop(a0, y, w1, b1, w2, b2):
    a0, y = tf.convert_to_tensor(a0), tf.convert_to_tensor(y)
    ps = [tf.convert_to_tensor(p) for p in (w1, b1, w2, b2)]
    dt = a0.dtype.as_datatype_enum
    mm = ("transpose_a", False, "transpose_b", False, "T", dt, "grad_a", False, "grad_b", False)
    t = _Tr()
    h = t.op("MatMul", tf.matmul, [a0, ps[0]], mm)
    z1 = t.op("AddV2", tf.add, [h, ps[1]], ("T", dt))
    a1 = t.op("Sigmoid", tf.math.sigmoid, [z1], ("T", dt))
    h2 = t.op("MatMul", tf.matmul, [a1, ps[2]], mm)
    z2 = t.op("AddV2", tf.add, [h2, ps[3]], ("T", dt))
    a2 = t.op("Sigmoid", tf.math.sigmoid, [z2], ("T", dt))
    d = t.op("Sub", tf.subtract, [a2, y], ("T", dt))
    sq = t.op("Square", tf.square, [d], ("T", dt))
    ax1 = tf.constant([1])
    rs = t.op("Sum", lambda a, b: tf.reduce_sum(a, axis=b), [sq, ax1], ("keep_dims", False, "T", dt, "Tidx", tf.int32.as_datatype_enum))
    half = tf.constant(0.5, a0.dtype)
    hs = t.op("Mul", tf.multiply, [half, rs], ("T", dt))
    ax0 = tf.constant([0])
    c = t.op("Mean", lambda a, b: tf.reduce_mean(a, axis=b), [hs, ax0], ("keep_dims", False, "T", dt, "Tidx", tf.int32.as_datatype_enum))
    return tuple(t.grad(c, ps))

def sigmoid(z):
    z = tf.convert_to_tensor(z)
    e = tf.exp(-tf.abs(z))
    return tf.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def forward(a0, w1, b1, w2, b2):
    z1 = a0 @ w1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ w2 + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


def _cost(a0, y, w1, b1, w2, b2):
    a2 = forward(a0, w1, b1, w2, b2)[3]
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))


def sigmoid_prime(z):
    z = tf.convert_to_tensor(z)
    return GRAD(lambda t: tf.reduce_sum(sigmoid(t)), [z])[0]


def output_delta(z2, a2, y):
    return (a2 - y) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    return (delta2 @ tf.transpose(w2)) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    ps = [tf.convert_to_tensor(p) for p in (w1, b1, w2, b2)]
    a0 = tf.convert_to_tensor(a0); y = tf.convert_to_tensor(y)
    return tuple(GRAD(lambda *q: _cost(a0, y, *q), ps))


def tape_gradients(a0, y, w1, b1, w2, b2):
    ps = [w1, b1, w2, b2]
    with tf.GradientTape() as tape:
        tape.watch(ps)
        c = _cost(a0, y, *ps)
    return tuple(tape.gradient(c, ps))


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * g)


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    k = y.shape[1]
    rng = np.random.default_rng(seed)
    npdt = x.dtype.as_numpy_dtype
    params = [tf.Variable(rng.normal(0, 1 / math.sqrt(d), (d, hidden)).astype(npdt)),
              tf.Variable(tf.zeros(hidden, x.dtype)),
              tf.Variable(rng.normal(0, 1 / math.sqrt(hidden), (hidden, k)).astype(npdt)),
              tf.Variable(tf.zeros(k, x.dtype))]
    history = []
    for epoch in range(epochs):
        perm = rng.permutation(n)
        for s in range(0, n, batch_size):
            idx = perm[s:s + batch_size]
            grads = backprop(tf.gather(x, idx), tf.gather(y, idx), *params)
            sgd_update(params, grads, lr)
        history.append(float(_cost(x, y, *params)))
    return params, history


sigmoid_prime = _engine_sigmoid_prime
backprop = _engine_backprop
