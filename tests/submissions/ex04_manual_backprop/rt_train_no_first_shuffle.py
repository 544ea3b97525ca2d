"""expect: lose train
Red team (written from the contract alone).
train takes the rows in their given order in epoch 0 and shuffles only from epoch 1 on.
"""
import numpy as np
import tensorflow as tf

def sigmoid(z):
    return tf.math.sigmoid(z)

def sigmoid_prime(z):
    s = tf.math.sigmoid(z)
    return s * (1 - s)

def forward(a0, w1, b1, w2, b2):
    z1 = tf.matmul(a0, w1) + b1
    a1 = sigmoid(z1)
    z2 = tf.matmul(a1, w2) + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2

def quadratic_cost(a2, y):
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))

def output_delta(z2, a2, y):
    return (a2 - y) * sigmoid_prime(z2)

def hidden_delta(delta2, w2, z1):
    return tf.matmul(delta2, w2, transpose_b=True) * sigmoid_prime(z1)

def backprop(a0, y, w1, b1, w2, b2):
    a0 = tf.convert_to_tensor(a0); y = tf.convert_to_tensor(y, dtype=a0.dtype)
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    d2 = output_delta(z2, a2, y)
    d1 = hidden_delta(d2, w2, z1)
    n = tf.cast(tf.shape(a0)[0], a0.dtype)
    return (tf.matmul(a0, d1, transpose_a=True) / n, tf.reduce_mean(d1, axis=0),
            tf.matmul(a1, d2, transpose_a=True) / n, tf.reduce_mean(d2, axis=0))

def tape_gradients(a0, y, w1, b1, w2, b2):
    with tf.GradientTape() as tape:
        tape.watch([w1, b1, w2, b2])
        c = quadratic_cost(forward(a0, w1, b1, w2, b2)[3], y)
    return tape.gradient(c, [w1, b1, w2, b2])

def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * g)

def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x); y = tf.cast(tf.convert_to_tensor(y), x.dtype)
    rng = np.random.default_rng(seed)
    n, d = x.shape; k = y.shape[1]
    dt = x.dtype.as_numpy_dtype
    w1 = tf.Variable(rng.normal(0, 1/np.sqrt(d), (d, hidden)).astype(dt))
    b1 = tf.Variable(np.zeros(hidden, dt))
    w2 = tf.Variable(rng.normal(0, 1/np.sqrt(hidden), (hidden, k)).astype(dt))
    b2 = tf.Variable(np.zeros(k, dt))
    params = [w1, b1, w2, b2]
    history = []
    for e in range(epochs):
        perm = rng.permutation(n) if e > 0 else np.arange(n)
        for s in range(0, n, batch_size):
            idx = perm[s:s+batch_size]
            g = backprop(tf.gather(x, idx), tf.gather(y, idx), *params)
            sgd_update(params, g, lr)
        history.append(float(quadratic_cost(forward(x, *params)[3], y)))
    return params, history
