"""expect: full
Correct, with its own order of draws: w2 is drawn before w1 from the seeded generator. At the grader's budget (60 epochs, lr 0.5) this run ends on a plateau at 0.478 x 0.5*var(y), against the 0.5 limit: the corpus keeps the narrowest margin a correct file is known to have."""
import numpy as np
import tensorflow as tf


def forward_prop(x, w1, b1, w2, b2):
    return tf.matmul(tf.sigmoid(tf.matmul(x, w1) + b1), w2) + b2


def loss_fn(y, y_pred):
    return tf.reduce_mean(0.5 * tf.square(y - y_pred))


def train_step(x, y, params, lr):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, forward_prop(x, *params))
    for param, grad in zip(params, tape.gradient(loss, params)):
        param.assign_sub(lr * grad)
    return loss


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    dtype = x.dtype.as_numpy_dtype
    rng = np.random.default_rng(seed)
    w2 = rng.normal(0.0, 1.0 / np.sqrt(hidden), size=(hidden, 1)).astype(dtype)  # the output layer first
    w1 = rng.normal(0.0, 1.0 / np.sqrt(d), size=(d, hidden)).astype(dtype)
    params = [tf.Variable(w1), tf.Variable(tf.zeros((hidden,), x.dtype)), tf.Variable(w2), tf.Variable(tf.zeros((1,), x.dtype))]
    size = n if batch_size is None else batch_size
    losses = []
    for _ in range(epochs):
        order = rng.permutation(n) if size < n else np.arange(n)
        for start in range(0, n, size):
            rows = order[start:start + size]
            train_step(tf.gather(x, rows), tf.gather(y, rows), params, lr)
        losses.append(float(loss_fn(y, forward_prop(x, *params))))
    return params, losses
