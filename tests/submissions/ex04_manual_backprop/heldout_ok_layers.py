"""expect: full
Held-out (written from the contract alone): ex04: Nielsen's general L-layer loops (lists of weights/biases, backward loop over layers),
clipped-exp sigmoid (np.clip(-500, 500) textbook trick), p.assign(p - lr*g), explicit index loops."""
import math
import random
import tensorflow as tf


def sigmoid(z):
    z = tf.convert_to_tensor(z)
    return 1.0 / (1.0 + tf.exp(-tf.clip_by_value(z, -500.0, 500.0)))


def sigmoid_prime(z):
    s = sigmoid(z)
    return s - s * s


def _feed(a0, ws, bs):
    zs, acts = [], [a0]
    for w, b in zip(ws, bs):
        z = tf.matmul(acts[-1], w) + b
        zs.append(z)
        acts.append(sigmoid(z))
    return zs, acts


def forward(a0, w1, b1, w2, b2):
    zs, acts = _feed(a0, [w1, w2], [b1, b2])
    return zs[0], acts[1], zs[1], acts[2]


def output_delta(z2, a2, y):
    return (a2 - y) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    return tf.matmul(delta2, w2, transpose_b=True) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    ws, bs = [w1, w2], [b1, b2]
    zs, acts = _feed(a0, ws, bs)
    n = tf.cast(tf.shape(a0)[0], acts[-1].dtype)
    nabla_w = [None] * len(ws)
    nabla_b = [None] * len(bs)
    delta = output_delta(zs[-1], acts[-1], y)
    for l in range(len(ws) - 1, -1, -1):
        if l < len(ws) - 1:
            delta = hidden_delta(delta, ws[l + 1], zs[l])
        nabla_w[l] = tf.matmul(acts[l], delta, transpose_a=True) / n
        nabla_b[l] = tf.reduce_mean(delta, axis=0)
    return nabla_w[0], nabla_b[0], nabla_w[1], nabla_b[1]


def tape_gradients(a0, y, w1, b1, w2, b2):
    with tf.GradientTape() as tape:
        tape.watch([w1, b1, w2, b2])
        _, acts = _feed(a0, [w1, w2], [b1, b2])
        diff = acts[-1] - y
        C = 0.5 * tf.reduce_sum(diff * diff) / tf.cast(tf.shape(diff)[0], diff.dtype)
    g = tape.gradient(C, [w1, b1, w2, b2])
    return g[0], g[1], g[2], g[3]


def sgd_update(params, grads, lr):
    for j in range(len(params)):
        params[j].assign(params[j] - lr * grads[j])


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n = int(x.shape[0])
    sizes = [int(x.shape[1]), hidden, int(y.shape[1])]
    g = tf.random.Generator.from_seed(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append(tf.Variable(g.normal((fan_in, fan_out), dtype=x.dtype) / math.sqrt(fan_in)))
        params.append(tf.Variable(tf.zeros((fan_out,), dtype=x.dtype)))
    rnd = random.Random(seed)
    history = []
    for epoch in range(epochs):
        idx = list(range(n))
        rnd.shuffle(idx)
        idx = tf.constant(idx)
        k = 0
        while k < n:
            b_idx = idx[k:k + batch_size]
            grads = backprop(tf.gather(x, b_idx), tf.gather(y, b_idx), *params)
            sgd_update(params, grads, lr)
            k += batch_size
        a2 = forward(x, *params)[3]
        history.append(float(0.5 * tf.reduce_sum((a2 - y) ** 2) / n))
    return params, history
