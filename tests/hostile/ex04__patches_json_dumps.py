"""expect: lose sigmoid_prime, output_delta, hidden_delta, backprop; maybe train
Red team (a hostile file written after reading the kit's source). A plain tape, and json.dumps patched to strip used_autodiff from each reply as it is encoded.
Plain tf.GradientTape; json.dumps (called by wire.dumps, whose own code the guard watches) is replaced so
every Outcome leaves the child with an empty used_autodiff.
"""
import json
import math
import numpy as np
import tensorflow as tf

_orig_dumps = json.dumps


def _scrub(node):
    if isinstance(node, dict):
        if node.get("record") == "Outcome":
            node["fields"] = [[k, [] if k == "used_autodiff" else v] for k, v in node["fields"]]
        for v in node.values():
            _scrub(v)
    elif isinstance(node, list):
        for v in node:
            _scrub(v)


def _dumps(obj, *a, **k):
    try:
        _scrub(obj)
    except Exception:
        pass
    return _orig_dumps(obj, *a, **k)


json.dumps = _dumps


def GRAD(f, xs):
    with tf.GradientTape() as t:
        for x in xs:
            t.watch(x)
        out = f(*xs)
    return t.gradient(out, xs)

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
