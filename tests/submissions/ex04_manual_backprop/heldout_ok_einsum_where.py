"""expect: full
Held-out (written from the contract alone): ex04: stable sigmoid with tf.where, einsum backprop, tf.random.set_seed + tf.random.shuffle."""
import math
import tensorflow as tf


def sigmoid(z):
    z = tf.convert_to_tensor(z)
    e = tf.exp(-tf.abs(z))
    return tf.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def forward(a0, w1, b1, w2, b2):
    z1 = tf.einsum("nd,dh->nh", a0, w1) + b1
    a1 = sigmoid(z1)
    z2 = tf.einsum("nh,hk->nk", a1, w2) + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


def output_delta(z2, a2, y):
    return (a2 - tf.cast(y, a2.dtype)) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    return tf.einsum("nk,hk->nh", delta2, w2) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    n = tf.cast(tf.shape(a0)[0], a2.dtype)
    d2 = output_delta(z2, a2, y)
    d1 = hidden_delta(d2, w2, z1)
    dw2 = tf.einsum("nh,nk->hk", a1, d2) / n
    db2 = tf.einsum("nk->k", d2) / n
    dw1 = tf.einsum("nd,nh->dh", a0, d1) / n
    db1 = tf.einsum("nh->h", d1) / n
    return dw1, db1, dw2, db2


def _cost(a0, y, w1, b1, w2, b2):
    a2 = forward(a0, w1, b1, w2, b2)[3]
    return tf.reduce_mean(0.5 * tf.reduce_sum((a2 - tf.cast(y, a2.dtype)) ** 2, axis=-1))


def tape_gradients(a0, y, w1, b1, w2, b2):
    ps = [w1, b1, w2, b2]
    with tf.GradientTape(persistent=False) as tape:
        for p in ps:
            tape.watch(p)
        c = _cost(a0, y, *ps)
    dw1, db1, dw2, db2 = tape.gradient(c, ps)
    return dw1, db1, dw2, db2


def sgd_update(params, grads, lr):
    for i in range(len(params)):
        params[i].assign_sub(lr * tf.cast(grads[i], params[i].dtype))


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(tf.convert_to_tensor(y), x.dtype)
    n, d = int(x.shape[0]), int(x.shape[1])
    k = int(y.shape[1])
    tf.random.set_seed(seed)
    w1 = tf.Variable(tf.random.normal((d, hidden), stddev=1.0 / math.sqrt(d), dtype=x.dtype))
    b1 = tf.Variable(tf.zeros((hidden,), x.dtype))
    w2 = tf.Variable(tf.random.normal((hidden, k), stddev=1.0 / math.sqrt(hidden), dtype=x.dtype))
    b2 = tf.Variable(tf.zeros((k,), x.dtype))
    params = [w1, b1, w2, b2]
    history = []
    for epoch in range(epochs):
        order = tf.random.shuffle(tf.range(n))
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            g = backprop(tf.gather(x, idx), tf.gather(y, idx), *params)
            sgd_update(params, g, lr)
        history.append(float(_cost(x, y, *params)))
    return params, history
