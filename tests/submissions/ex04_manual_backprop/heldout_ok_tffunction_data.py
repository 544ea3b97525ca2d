"""expect: full
Held-out (written from the contract alone): ex04: every function @tf.function-decorated; train uses a tf.data pipeline with a seeded
reshuffle each iteration and stateless_normal init."""
import tensorflow as tf


@tf.function
def sigmoid(z):
    return tf.math.sigmoid(z)


@tf.function
def sigmoid_prime(z):
    s = tf.math.sigmoid(z)
    return s * (1 - s)


@tf.function
def forward(a0, w1, b1, w2, b2):
    z1 = a0 @ w1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ w2 + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


@tf.function
def output_delta(z2, a2, y):
    return (a2 - y) * sigmoid_prime(z2)


@tf.function
def hidden_delta(delta2, w2, z1):
    return tf.matmul(delta2, w2, transpose_b=True) * sigmoid_prime(z1)


@tf.function
def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    delta2 = output_delta(z2, a2, y)
    delta1 = hidden_delta(delta2, w2, z1)
    n = tf.cast(tf.shape(a0)[0], a0.dtype)
    return (tf.matmul(a0, delta1, transpose_a=True) / n,
            tf.reduce_mean(delta1, axis=0),
            tf.matmul(a1, delta2, transpose_a=True) / n,
            tf.reduce_mean(delta2, axis=0))


@tf.function
def _cost(a0, y, w1, b1, w2, b2):
    a2 = forward(a0, w1, b1, w2, b2)[3]
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))


@tf.function
def tape_gradients(a0, y, w1, b1, w2, b2):
    with tf.GradientTape() as tape:
        tape.watch([w1, b1, w2, b2])
        c = _cost(a0, y, w1, b1, w2, b2)
    return tuple(tape.gradient(c, [w1, b1, w2, b2]))


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(tf.cast(lr, p.dtype) * g)


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(tf.convert_to_tensor(y), x.dtype)
    n, d = x.shape
    k = y.shape[1]
    dt = x.dtype
    params = [
        tf.Variable(tf.random.stateless_normal((d, hidden), seed=[seed, 1], dtype=dt) / tf.sqrt(tf.cast(d, dt))),
        tf.Variable(tf.zeros((hidden,), dt)),
        tf.Variable(tf.random.stateless_normal((hidden, k), seed=[seed, 2], dtype=dt) / tf.sqrt(tf.cast(hidden, dt))),
        tf.Variable(tf.zeros((k,), dt)),
    ]
    ds = (tf.data.Dataset.from_tensor_slices((x, y))
          .shuffle(n, seed=seed, reshuffle_each_iteration=True)
          .batch(batch_size))
    history = []
    for epoch in range(epochs):
        for xb, yb in ds:
            sgd_update(params, backprop(xb, yb, *params), lr)
        history.append(float(_cost(x, y, *params)))
    return params, history
