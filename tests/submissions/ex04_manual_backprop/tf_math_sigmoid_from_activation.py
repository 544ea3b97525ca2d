"""expect: full
tf.math.sigmoid; output_delta uses a2 * (1 - a2), which equals sigmoid_prime(z2) because a2 = sigmoid(z2);
batches from tf.data with a seeded reshuffle every epoch; params returned as Variables, history as floats.
"""
import tensorflow as tf


def sigmoid(z):
    return tf.math.sigmoid(z)


def sigmoid_prime(z):
    s = tf.math.sigmoid(z)
    return s - s * s


def forward(a0, w1, b1, w2, b2):
    z1 = tf.linalg.matmul(a0, w1) + b1
    a1 = tf.math.sigmoid(z1)
    z2 = tf.linalg.matmul(a1, w2) + b2
    return z1, a1, z2, tf.math.sigmoid(z2)


def output_delta(z2, a2, y):
    # sigmoid'(z2) = a2 * (1 - a2)  since a2 = sigmoid(z2)
    return (a2 - y) * a2 * (1.0 - a2)


def hidden_delta(delta2, w2, z1):
    return tf.linalg.matmul(delta2, tf.transpose(w2)) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    delta2 = output_delta(z2, a2, y)
    delta1 = hidden_delta(delta2, w2, z1)
    n = tf.cast(tf.shape(a1)[0], a1.dtype)
    grads = (
        tf.transpose(a0) @ delta1 / n,
        tf.reduce_sum(delta1, 0) / n,
        tf.transpose(a1) @ delta2 / n,
        tf.reduce_sum(delta2, 0) / n,
    )
    return grads


def tape_gradients(a0, y, w1, b1, w2, b2):
    vs = [tf.Variable(v) for v in (w1, b1, w2, b2)]
    with tf.GradientTape() as tape:
        out = forward(a0, *vs)[3]
        cost = tf.reduce_mean(0.5 * tf.reduce_sum((out - y) ** 2, axis=-1))
    return tape.gradient(cost, vs)


def sgd_update(params, grads, lr):
    for i in range(len(params)):
        params[i].assign_sub(lr * tf.convert_to_tensor(grads[i], dtype=params[i].dtype))


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.convert_to_tensor(y, dtype=x.dtype)
    d, classes = x.shape[1], y.shape[1]
    init = tf.random.Generator.from_seed(seed)
    w1 = tf.Variable(init.normal((d, hidden), stddev=1.0 / d ** 0.5, dtype=x.dtype))
    b1 = tf.Variable(tf.zeros(hidden, dtype=x.dtype))
    w2 = tf.Variable(init.normal((hidden, classes), stddev=1.0 / hidden ** 0.5, dtype=x.dtype))
    b2 = tf.Variable(tf.zeros(classes, dtype=x.dtype))
    params = [w1, b1, w2, b2]
    data = (tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(int(x.shape[0]), seed=seed, reshuffle_each_iteration=True)
            .batch(batch_size))
    history = []
    for epoch in range(epochs):
        for xb, yb in data:
            sgd_update(params, backprop(xb, yb, *params), lr)
        a2 = forward(x, *params)[3]
        history.append(float(tf.reduce_sum(tf.square(a2 - y)) / (2 * int(x.shape[0]))))
    return params, history
