"""expect: full
Red team (written from the contract alone).
a tf.Module holds the network, module-level functions delegate to it, jit_compile=True.
"""

import numpy as np
import tensorflow as tf

class Net(tf.Module):
    """All the math lives here; the module-level functions delegate."""
    @tf.function(jit_compile=True)
    def sigmoid(self, z):
        return tf.math.sigmoid(z)

    @tf.function(jit_compile=True)
    def sigmoid_prime(self, z):
        s = tf.math.sigmoid(z)
        return s * (tf.ones_like(s) - s)

    @tf.function(jit_compile=True)
    def forward(self, a0, w1, b1, w2, b2):
        z1 = a0 @ w1 + b1
        a1 = tf.math.sigmoid(z1)
        z2 = a1 @ w2 + b2
        return z1, a1, z2, tf.math.sigmoid(z2)

    @tf.function(jit_compile=True)
    def backprop(self, a0, y, w1, b1, w2, b2):
        z1, a1, z2, a2 = self.forward(a0, w1, b1, w2, b2)
        d2 = (a2 - y) * self.sigmoid_prime(z2)
        d1 = (d2 @ tf.transpose(w2)) * self.sigmoid_prime(z1)
        n = tf.cast(tf.shape(a0)[0], a0.dtype)
        return (tf.transpose(a0) @ d1 / n, tf.reduce_sum(d1, 0) / n,
                tf.transpose(a1) @ d2 / n, tf.reduce_sum(d2, 0) / n)

NET = Net()
_T = lambda t: tf.convert_to_tensor(t)

def sigmoid(z): return NET.sigmoid(_T(z))
def sigmoid_prime(z): return NET.sigmoid_prime(_T(z))
def forward(a0, w1, b1, w2, b2): return NET.forward(*map(_T, (a0, w1, b1, w2, b2)))

def quadratic_cost(a2, y):
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))

def output_delta(z2, a2, y): return (a2 - y) * sigmoid_prime(z2)
def hidden_delta(delta2, w2, z1): return tf.matmul(delta2, w2, transpose_b=True) * sigmoid_prime(z1)

def backprop(a0, y, w1, b1, w2, b2):
    a0 = _T(a0)
    return NET.backprop(a0, tf.cast(y, a0.dtype), *map(_T, (w1, b1, w2, b2)))

def tape_gradients(a0, y, w1, b1, w2, b2):
    ps = list(map(_T, (w1, b1, w2, b2)))
    with tf.GradientTape() as tape:
        tape.watch(ps)
        c = quadratic_cost(forward(a0, *ps)[3], y)
    return tuple(tape.gradient(c, ps))

def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(tf.cast(lr, p.dtype) * tf.cast(g, p.dtype))

def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = _T(x); y = tf.cast(_T(y), x.dtype)
    n, d = x.shape; k = y.shape[1]
    rng = np.random.default_rng(seed)
    dt = x.dtype.as_numpy_dtype
    params = [tf.Variable(rng.normal(0.0, d ** -0.5, size=(d, hidden)).astype(dt)),
              tf.Variable(tf.zeros([hidden], x.dtype)),
              tf.Variable(rng.normal(0.0, hidden ** -0.5, size=(hidden, k)).astype(dt)),
              tf.Variable(tf.zeros([k], x.dtype))]
    history = []
    for epoch in range(epochs):
        order = rng.permutation(n)
        batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
        for idx in batches:
            sgd_update(params, backprop(tf.gather(x, idx), tf.gather(y, idx), *params), lr)
        history.append(quadratic_cost(forward(x, *params)[3], y).numpy())
    return params, history
