"""expect: full
Red team (written from the contract alone).
Nielsen-flavoured SGD: training_data = list(zip(x, y)) of numpy rows, np.random.seed(seed) + np.random.shuffle
of that list each epoch, mini_batches built by np.stack and handed to backprop as numpy arrays.
backprop / hidden_delta / output_delta are @tf.function (reduce_retracing); forward uses tf.linalg.matmul."""
import numpy as np
import tensorflow as tf


def sigmoid(z):
    z = tf.convert_to_tensor(z)
    return 0.5 * (tf.tanh(0.5 * z) + 1.0)


def sigmoid_prime(z):
    s = sigmoid(z)
    return s - s * s


def forward(a0, w1, b1, w2, b2):
    z1 = tf.linalg.matmul(a0, w1) + b1
    a1 = sigmoid(z1)
    z2 = tf.linalg.matmul(a1, w2) + b2
    return z1, a1, z2, sigmoid(z2)


@tf.function(reduce_retracing=True)
def output_delta(z2, a2, y):
    return (a2 - y) * sigmoid_prime(z2)


@tf.function(reduce_retracing=True)
def hidden_delta(delta2, w2, z1):
    return tf.linalg.matmul(delta2, tf.transpose(w2)) * sigmoid_prime(z1)


@tf.function(reduce_retracing=True)
def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    d2 = output_delta(z2, a2, y)
    d1 = hidden_delta(d2, w2, z1)
    n = tf.cast(tf.shape(a0)[0], a0.dtype)
    nabla_w2 = tf.linalg.matmul(tf.transpose(a1), d2) / n
    nabla_w1 = tf.linalg.matmul(tf.transpose(a0), d1) / n
    return nabla_w1, tf.reduce_sum(d1, 0) / n, nabla_w2, tf.reduce_sum(d2, 0) / n


def tape_gradients(a0, y, w1, b1, w2, b2):
    with tf.GradientTape(persistent=True) as tape:
        tape.watch([w1, b1, w2, b2])
        a2 = forward(a0, w1, b1, w2, b2)[3]
        cost = tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=-1))
    out = tuple(tape.gradient(cost, v) for v in (w1, b1, w2, b2))
    del tape
    return out


def sgd_update(params, grads, lr):
    for i in range(len(params)):
        params[i].assign_sub(tf.cast(lr, params[i].dtype) * tf.cast(grads[i], params[i].dtype))


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    xs = np.asarray(x)
    ys = np.asarray(y).astype(xs.dtype)
    np.random.seed(seed)
    sizes = [xs.shape[1], hidden, ys.shape[1]]
    weights = [tf.Variable((np.random.randn(a, b) / np.sqrt(a)).astype(xs.dtype)) for a, b in zip(sizes[:-1], sizes[1:])]
    biases = [tf.Variable(np.zeros(b, dtype=xs.dtype)) for b in sizes[1:]]
    params = [weights[0], biases[0], weights[1], biases[1]]
    training_data = list(zip(xs, ys))
    n = len(training_data)
    history = []
    for j in range(epochs):
        np.random.shuffle(training_data)
        mini_batches = [training_data[k:k + batch_size] for k in range(0, n, batch_size)]
        for mini_batch in mini_batches:
            bx = np.stack([a for a, _ in mini_batch])
            by = np.stack([b for _, b in mini_batch])
            sgd_update(params, backprop(bx, by, *params), lr)
        a2 = forward(xs, *params)[3]
        history.append(float(tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - ys), axis=1))))
    return params, history
