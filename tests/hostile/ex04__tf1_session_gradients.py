"""expect: lose sigmoid_prime, output_delta, hidden_delta, backprop
Red team (a hostile file written after reading the kit's source). tf.gradients in a TF1 graph built at import (outside any call), run in a Session during the call.
tf.gradients in a plain v1 Graph built at import (outside any call's window); Session.run at call time.
"""
import math
import numpy as np
import tensorflow as tf

_G = {}


def _build(dt):
    g = tf.Graph()
    with g.as_default():
        ph = {n: tf.compat.v1.placeholder(dt, None, name=n) for n in ("a0", "y", "w1", "b1", "w2", "b2", "z")}
        e = tf.exp(-tf.abs(ph["z"]))
        s = tf.where(ph["z"] >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        sp = tf.gradients(tf.reduce_sum(s), [ph["z"]])[0]
        a1 = tf.sigmoid(tf.matmul(ph["a0"], ph["w1"]) + ph["b1"])
        a2 = tf.sigmoid(tf.matmul(a1, ph["w2"]) + ph["b2"])
        c = tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - ph["y"]), axis=1))
        gr = tf.gradients(c, [ph[k] for k in ("w1", "b1", "w2", "b2")])
    return g, ph, sp, gr, tf.compat.v1.Session(graph=g)


for _dt in (tf.float32, tf.float64):
    _G[_dt] = _build(_dt)


def GRAD(f, xs):
    raise RuntimeError("unused")

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


def sigmoid_prime(z):
    z = tf.convert_to_tensor(z)
    g, ph, sp, gr, sess = _G[z.dtype]
    return sess.run(sp, {ph["z"]: z.numpy()})


def backprop(a0, y, w1, b1, w2, b2):
    a0 = tf.convert_to_tensor(a0)
    g, ph, sp, gr, sess = _G[a0.dtype]
    feed = {ph[k]: tf.convert_to_tensor(v).numpy() for k, v in zip(("a0", "y", "w1", "b1", "w2", "b2"), (a0, y, w1, b1, w2, b2))}
    return tuple(sess.run(gr, feed))
