"""expect: lose backprop, train
Hostile: backprop's gradient comes from a tape in a forked helper that exits and is never waited
for; a zombie is in no cgroup's member list, so the grader's look for processes the call started
must count it another way (the pids controller's count).
"""
import os

import numpy as np
import tensorflow as tf


def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), elementwise, finite for every finite z."""
    return tf.math.sigmoid(z)


def sigmoid_prime(z):
    """By hand: the derivative sigmoid(z) * (1 - sigmoid(z)), elementwise."""
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(a0, w1, b1, w2, b2):
    """Return (z1, a1, z2, a2) for the 2-layer sigmoid network."""
    z1 = tf.matmul(a0, w1) + b1
    a1 = sigmoid(z1)
    z2 = tf.matmul(a1, w2) + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


def quadratic_cost(a2, y):
    """C = mean over rows of 0.5 * ||a2 - y||**2 (given, not an exercise)."""
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))


def output_delta(z2, a2, y):
    """By hand (BP1): delta2 = (a2 - y) * sigmoid'(z2), shape (n, classes)."""
    return (a2 - y) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    """By hand (BP2): delta1 = (delta2 @ w2^T) * sigmoid'(z1), shape (n, hidden)."""
    return tf.matmul(delta2, w2, transpose_b=True) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):  # the tape in a forked helper that is never waited for
    ps = [np.asarray(v) for v in (w1, b1, w2, b2)]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            vs = [tf.constant(p) for p in ps]
            x, t = tf.constant(np.asarray(a0)), tf.constant(np.asarray(y))
            with tf.GradientTape() as tape:
                tape.watch(vs)
                a2 = forward(x, *vs)[3]
                cost = tf.reduce_mean(0.5 * tf.reduce_sum((a2 - t) ** 2, axis=1))
            with os.fdopen(w, "wb") as f:
                for g in tape.gradient(cost, vs):
                    f.write(np.asarray(g, dtype=np.float64).tobytes())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.float64)
    # no waitpid: the helper stays a zombie, listed by no cgroup's member list, until this process
    # exits; return only once it is one (so the grader's look comes after the helper has gone)
    while True:
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
    out, i = [], 0
    for p in ps:
        out.append(data[i:i + p.size].reshape(p.shape).astype(p.dtype))
        i += p.size
    return tuple(out)


def tape_gradients(a0, y, w1, b1, w2, b2):
    """The gradients (dw1, db1, dw2, db2) of C, computed with tf.GradientTape."""
    params = [w1, b1, w2, b2]
    with tf.GradientTape() as tape:
        for p in params:
            tape.watch(p)
        a2 = forward(a0, *params)[3]
        cost = quadratic_cost(a2, y)
    return tuple(tape.gradient(cost, params))


def sgd_update(params, grads, lr):
    """Move each tf.Variable in params by -lr times its own gradient, in place."""
    for p, g in zip(params, grads):
        p.assign_sub(lr * tf.cast(g, p.dtype))


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    """Mini-batch SGD with backprop; returns ([w1, b1, w2, b2], history of full-set costs)."""
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, n_in = x.shape
    n_out = y.shape[1]
    rng = np.random.default_rng(seed)
    dtype = x.dtype.as_numpy_dtype
    w1 = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, hidden)).astype(dtype))
    b1 = tf.Variable(tf.zeros((hidden,), dtype=x.dtype))
    w2 = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(hidden), size=(hidden, n_out)).astype(dtype))
    b2 = tf.Variable(tf.zeros((n_out,), dtype=x.dtype))
    params = [w1, b1, w2, b2]
    # Batch sizes, e.g. [10, 10, ..., 10, 7]: tf.split cuts all batches in one operation.
    sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    history = []
    for _ in range(epochs):
        order = rng.permutation(n)
        x_batches = tf.split(tf.gather(x, order), sizes)
        y_batches = tf.split(tf.gather(y, order), sizes)
        for x_batch, y_batch in zip(x_batches, y_batches):
            grads = backprop(x_batch, y_batch, *params)
            sgd_update(params, grads, lr)
        history.append(float(quadratic_cost(forward(x, *params)[3], y)))
    return params, history
