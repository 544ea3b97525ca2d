"""expect: full
tape_gradients and backprop are tf.function-decorated; everything stays in the inputs' dtype (the
digits arrive as float32 and train never leaves float32); init with tf.random.Generator.from_seed.
"""
import tensorflow as tf


def sigmoid(z):
    return tf.nn.sigmoid(z)


def sigmoid_prime(z):
    s = tf.nn.sigmoid(z)
    return s - s * s


def forward(a0, w1, b1, w2, b2):
    z1 = tf.nn.bias_add(tf.matmul(a0, w1), b1)
    a1 = sigmoid(z1)
    z2 = tf.nn.bias_add(tf.matmul(a1, w2), b2)
    return z1, a1, z2, sigmoid(z2)


def output_delta(z2, a2, y):
    return tf.subtract(a2, y) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    return tf.matmul(delta2, tf.transpose(w2)) * sigmoid_prime(z1)


@tf.function(reduce_retracing=True)
def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    delta2 = output_delta(z2, a2, y)
    delta1 = hidden_delta(delta2, w2, z1)
    n = tf.cast(tf.shape(a0)[0], a0.dtype)
    return (tf.matmul(tf.transpose(a0), delta1) / n, tf.reduce_sum(delta1, 0) / n,
            tf.matmul(tf.transpose(a1), delta2) / n, tf.reduce_sum(delta2, 0) / n)


@tf.function
def tape_gradients(a0, y, w1, b1, w2, b2):
    with tf.GradientTape() as tape:
        tape.watch([w1, b1, w2, b2])
        a2 = forward(a0, w1, b1, w2, b2)[3]
        cost = tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))
    return tuple(tape.gradient(cost, [w1, b1, w2, b2]))


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(tf.cast(lr, p.dtype) * g)


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d, k = int(x.shape[0]), int(x.shape[1]), int(y.shape[1])
    gen = tf.random.Generator.from_seed(seed)
    w1 = tf.Variable(gen.normal((d, hidden), stddev=1 / d ** 0.5, dtype=x.dtype))
    w2 = tf.Variable(gen.normal((hidden, k), stddev=1 / hidden ** 0.5, dtype=x.dtype))
    params = [w1, tf.Variable(tf.zeros([hidden], x.dtype)), w2, tf.Variable(tf.zeros([k], x.dtype))]
    history = []
    for epoch in range(epochs):
        order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=[seed, epoch])
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            sgd_update(params, backprop(tf.gather(x, idx), tf.gather(y, idx), *params), lr)
        a2 = forward(x, *params)[3]
        history.append(tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1)))
    return params, history
