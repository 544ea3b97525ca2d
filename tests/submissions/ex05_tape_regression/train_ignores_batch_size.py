"""expect: lose train
Always full batch: one train_step per epoch whatever batch_size says.
"""
import numpy as np
import tensorflow as tf

def forward_prop(x, w1, b1, w2, b2):
    """sigmoid(x @ w1 + b1) @ w2 + b2, shape (n, 1)."""
    hidden = tf.math.sigmoid(tf.matmul(x, w1) + b1)
    return tf.matmul(hidden, w2) + b2

def loss_fn(y, y_pred):
    """mean(0.5 * (y - y_pred)**2), a scalar."""
    return tf.reduce_mean(0.5 * tf.square(y - y_pred))

def train_step(x, y, params, lr):
    """One gradient step on [w1, b1, w2, b2] (in place); returns the loss before the update."""
    with tf.GradientTape() as tape:
        loss = loss_fn(y, forward_prop(x, *params))
    grads = tape.gradient(loss, params)
    for p, g in zip(params, grads):
        p.assign_sub(lr * g)
    return loss

def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    """Train the regression network; returns ([w1, b1, w2, b2], losses after each epoch)."""
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    rng = np.random.default_rng(seed)
    dtype = x.dtype.as_numpy_dtype
    params = [
        tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(d), size=(d, hidden)).astype(dtype)),
        tf.Variable(tf.zeros((hidden,), dtype=x.dtype)),
        tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(hidden), size=(hidden, 1)).astype(dtype)),
        tf.Variable(tf.zeros((1,), dtype=x.dtype)),
    ]
    size = n
    # Batch sizes, e.g. [32, 32, ..., 32, 16]: tf.split cuts all batches in one operation.
    sizes = [size] * (n // size) + ([n % size] if n % size else [])
    losses = []
    for _ in range(epochs):
        if size == n:
            train_step(x, y, params, lr)   # one batch: shuffling would change nothing
        else:
            order = rng.permutation(n)
            x_batches = tf.split(tf.gather(x, order), sizes)
            y_batches = tf.split(tf.gather(y, order), sizes)
            for x_batch, y_batch in zip(x_batches, y_batches):
                train_step(x_batch, y_batch, params, lr)
        losses.append(float(loss_fn(y, forward_prop(x, *params))))
    return params, losses
