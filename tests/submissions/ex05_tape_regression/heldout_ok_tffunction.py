"""expect: full
Held-out (written from the contract alone): ex05: @tf.function train_step and forward; stateless init; shuffled batches via tf.random.shuffle
after tf.random.set_seed."""
import math
import tensorflow as tf


@tf.function
def forward_prop(x, w1, b1, w2, b2):
    hidden = tf.math.sigmoid(tf.matmul(x, w1) + b1)
    return tf.matmul(hidden, w2) + b2


@tf.function
def loss_fn(y, y_pred):
    return tf.reduce_mean(0.5 * tf.square(y - y_pred))


@tf.function
def train_step(x, y, params, lr):
    with tf.GradientTape() as tape:
        tape.watch(params)
        y_pred = forward_prop(x, *params)
        loss = loss_fn(y, y_pred)
    grads = tape.gradient(loss, params)
    for var, grad in zip(params, grads):
        var.assign_sub(tf.cast(lr, var.dtype) * grad)
    return loss


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(tf.convert_to_tensor(y), x.dtype)
    n, d = int(x.shape[0]), int(x.shape[1])
    dt = x.dtype
    params = [
        tf.Variable(tf.random.stateless_normal([d, hidden], [seed, 0], dtype=dt) / math.sqrt(d)),
        tf.Variable(tf.zeros([hidden], dt)),
        tf.Variable(tf.random.stateless_normal([hidden, 1], [seed, 1], dtype=dt) / math.sqrt(hidden)),
        tf.Variable(tf.zeros([1], dt)),
    ]
    tf.random.set_seed(seed)
    losses = []
    for epoch in range(epochs):
        if batch_size is None:
            train_step(x, y, params, lr)
        else:
            idx = tf.random.shuffle(tf.range(n))
            for s in range(0, n, batch_size):
                b = idx[s:s + batch_size]
                train_step(tf.gather(x, b), tf.gather(y, b), params, lr)
        losses.append(float(loss_fn(y, forward_prop(x, *params))))
    return params, losses
