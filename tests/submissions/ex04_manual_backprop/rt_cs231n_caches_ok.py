"""expect: full
Red team (written from the contract alone).
cs231n style: (out, cache) forward passes, dout backward passes, einsum, a Keras SGD update.
"""

"""cs231n style: layer forward returns (out, cache), backward takes dout."""
import numpy as np
import tensorflow as tf

def sigmoid(z):
    return tf.math.sigmoid(z)

def sigmoid_prime(z):
    s = tf.math.sigmoid(z)
    return s - s * s

def affine_forward(x, w, b):
    out = tf.einsum("ni,io->no", x, w) + b
    return out, (x, w)

def affine_backward(dout, cache):
    x, w = cache
    dx = tf.einsum("no,io->ni", dout, w)
    dw = tf.einsum("ni,no->io", x, dout)
    db = tf.reduce_sum(dout, axis=0)
    return dx, dw, db

def sigmoid_forward(z):
    return sigmoid(z), z

def sigmoid_backward(dout, cache):
    return dout * sigmoid_prime(cache)

def forward(a0, w1, b1, w2, b2):
    z1, _ = affine_forward(a0, w1, b1)
    a1, _ = sigmoid_forward(z1)
    z2, _ = affine_forward(a1, w2, b2)
    a2, _ = sigmoid_forward(z2)
    return z1, a1, z2, a2

def quadratic_cost(a2, y):
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))

def output_delta(z2, a2, y):
    return sigmoid_backward(a2 - y, z2)

def hidden_delta(delta2, w2, z1):
    da1 = tf.einsum("nk,hk->nh", delta2, w2)
    return sigmoid_backward(da1, z1)

def backprop(a0, y, w1, b1, w2, b2):
    a0 = tf.convert_to_tensor(a0)
    y = tf.cast(y, a0.dtype)
    n = tf.cast(tf.shape(a0)[0], a0.dtype)
    z1, c1 = affine_forward(a0, w1, b1)
    a1, s1 = sigmoid_forward(z1)
    z2, c2 = affine_forward(a1, w2, b2)
    a2, s2 = sigmoid_forward(z2)
    dout = (a2 - y) / n                      # dC/da2 with the 1/n
    dz2 = sigmoid_backward(dout, s2)
    da1, dw2, db2 = affine_backward(dz2, c2)
    dz1 = sigmoid_backward(da1, s1)
    _, dw1, db1 = affine_backward(dz1, c1)
    return dw1, db1, dw2, db2

def tape_gradients(a0, y, w1, b1, w2, b2):
    with tf.GradientTape(persistent=True) as tape:
        for p in (w1, b1, w2, b2):
            tape.watch(p)
        c = quadratic_cost(forward(a0, w1, b1, w2, b2)[3], y)
    gs = [tape.gradient(c, p) for p in (w1, b1, w2, b2)]
    del tape
    return gs

def sgd_update(params, grads, lr):
    tf.keras.optimizers.SGD(learning_rate=lr).apply_gradients(zip(grads, params))

def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = map(int, x.shape)
    k = int(y.shape[1])
    rng = np.random.default_rng(seed)
    w1 = tf.Variable(tf.constant(rng.normal(size=(d, hidden)) / np.sqrt(d), dtype=x.dtype))
    b1 = tf.Variable(tf.zeros(hidden, dtype=x.dtype))
    w2 = tf.Variable(tf.constant(rng.normal(size=(hidden, k)) / np.sqrt(hidden), dtype=x.dtype))
    b2 = tf.Variable(tf.zeros(k, dtype=x.dtype))
    params = [w1, b1, w2, b2]
    history = []
    for epoch in range(epochs):
        perm = tf.constant(rng.permutation(n))
        xs, ys = tf.gather(x, perm), tf.gather(y, perm)
        for start in range(0, n, batch_size):
            grads = backprop(xs[start:start + batch_size], ys[start:start + batch_size], *params)
            sgd_update(params, grads, lr)
        history.append(float(quadratic_cost(forward(x, *params)[3], y)))
    return params, history
