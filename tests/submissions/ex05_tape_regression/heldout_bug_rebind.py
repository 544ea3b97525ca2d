"""expect: lose train_step; maybe train
Held-out (written from the contract alone): BUG: train_step rebinds params[i] to new tf.Variables instead of updating the given Variables in place."""
import tensorflow as tf


def forward_prop(x, w1, b1, w2, b2):
    return tf.sigmoid(x @ w1 + b1) @ w2 + b2


def loss_fn(y, y_pred):
    return tf.reduce_mean(0.5 * (y - y_pred) ** 2)


def train_step(x, y, params, lr):
    w1, b1, w2, b2 = params
    with tf.GradientTape() as tape:
        loss = loss_fn(y, forward_prop(x, w1, b1, w2, b2))
    grads = tape.gradient(loss, params)
    for i, g in enumerate(grads):
        params[i] = tf.Variable(params[i] - lr * g)
    return loss


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    gen = tf.random.Generator.from_seed(seed)
    params = [tf.Variable(gen.normal((d, hidden), stddev=d ** -0.5, dtype=x.dtype)),
              tf.Variable(tf.zeros((hidden,), x.dtype)),
              tf.Variable(gen.normal((hidden, 1), stddev=hidden ** -0.5, dtype=x.dtype)),
              tf.Variable(tf.zeros((1,), x.dtype))]
    bs = n if batch_size is None else batch_size
    losses = []
    for _ in range(epochs):
        for s in range(0, n, bs):
            train_step(x[s:s + bs], y[s:s + bs], params, lr)
        losses.append(float(loss_fn(y, forward_prop(x, *params))))
    return params, losses
