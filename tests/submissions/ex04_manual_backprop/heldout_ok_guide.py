"""expect: full
Held-out (written from the contract alone): ex04: TF custom-training-loop-guide flavour: tf.data with from_tensor_slices + a seeded
index shuffle (np.random.default_rng(seed).permutation per epoch), float math kept in the input
dtype, tape_gradients via tape.gradient over a list; history computed with tf.keras.metrics.Mean."""
import numpy as np
import tensorflow as tf


def sigmoid(z):
    z = tf.convert_to_tensor(z)
    pos = 1.0 / (1.0 + tf.exp(-tf.maximum(z, 0.0) + tf.minimum(z, 0.0) * 0))  # for z >= 0
    ez = tf.exp(tf.minimum(z, 0.0))                                          # for z < 0
    neg = ez / (1.0 + ez)
    return tf.where(z >= 0, pos, neg)


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1 - s)


def forward(a0, w1, b1, w2, b2):
    z1 = a0 @ w1 + b1
    a1 = sigmoid(z1)
    z2 = a1 @ w2 + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


def output_delta(z2, a2, y):
    return (a2 - y) * sigmoid_prime(z2)


def hidden_delta(delta2, w2, z1):
    return (delta2 @ tf.transpose(w2)) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    delta2 = output_delta(z2, a2, y)
    delta1 = hidden_delta(delta2, w2, z1)
    n = tf.cast(tf.shape(a0)[0], delta2.dtype)
    return (tf.transpose(a0) @ delta1 / n, tf.reduce_mean(delta1, axis=0),
            tf.transpose(a1) @ delta2 / n, tf.reduce_mean(delta2, axis=0))


def cost(a0, y, w1, b1, w2, b2):
    a2 = forward(a0, w1, b1, w2, b2)[3]
    return tf.reduce_mean(0.5 * tf.reduce_sum(tf.square(a2 - y), axis=1))


def tape_gradients(a0, y, w1, b1, w2, b2):
    variables = [w1, b1, w2, b2]
    with tf.GradientTape() as tape:
        tape.watch(variables)
        loss_value = cost(a0, y, *variables)
    grads = tape.gradient(loss_value, variables)
    return tuple(grads)


def sgd_update(params, grads, lr):
    for var, grad in zip(params, grads):
        var.assign_sub(lr * grad)


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    k = y.shape[1]
    rng = np.random.default_rng(seed)
    npdt = x.dtype.as_numpy_dtype
    w1 = tf.Variable(rng.standard_normal((d, hidden)).astype(npdt) / np.sqrt(d).astype(npdt))
    w2 = tf.Variable(rng.standard_normal((hidden, k)).astype(npdt) / np.sqrt(hidden).astype(npdt))
    b1 = tf.Variable(tf.zeros(hidden, x.dtype))
    b2 = tf.Variable(tf.zeros(k, x.dtype))
    params = [w1, b1, w2, b2]
    history = []
    for epoch in range(epochs):
        perm = rng.permutation(n)
        train_dataset = tf.data.Dataset.from_tensor_slices(
            (tf.gather(x, perm), tf.gather(y, perm))).batch(batch_size)
        for step, (x_batch, y_batch) in enumerate(train_dataset):
            grads = backprop(x_batch, y_batch, *params)
            sgd_update(params, grads, lr)
        history.append(float(cost(x, y, *params)))
    return params, history
