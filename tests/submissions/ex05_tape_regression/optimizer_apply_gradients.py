"""expect: full
train_step goes through tf.keras.optimizers.SGD(lr).apply_gradients; the loss comes back as a Python float;
init with tf.random.stateless_normal.
"""
import tensorflow as tf


def forward_prop(x, w1, b1, w2, b2):
    hidden = tf.nn.sigmoid(x @ w1 + b1)
    return hidden @ w2 + b2


def loss_fn(y, y_pred):
    return 0.5 * tf.reduce_mean((y - y_pred) ** 2)


def train_step(x, y, params, lr):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, forward_prop(x, *params))
    grads = tape.gradient(loss, params)
    tf.keras.optimizers.SGD(learning_rate=lr).apply_gradients(zip(grads, params))
    return float(loss)


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = int(x.shape[0]), int(x.shape[1])
    w1 = tf.Variable(tf.random.stateless_normal((d, hidden), [seed, 11], stddev=d ** -0.5, dtype=x.dtype))
    b1 = tf.Variable(tf.zeros((hidden,), x.dtype))
    w2 = tf.Variable(tf.random.stateless_normal((hidden, 1), [seed, 12], stddev=hidden ** -0.5, dtype=x.dtype))
    b2 = tf.Variable(tf.zeros((1,), x.dtype))
    params = [w1, b1, w2, b2]
    losses = []
    for epoch in range(epochs):
        if batch_size is None:
            train_step(x, y, params, lr)
        else:
            perm = tf.random.experimental.stateless_shuffle(tf.range(n), seed=[seed, epoch])
            for i in range(0, n, batch_size):
                idx = perm[i:i + batch_size]
                train_step(tf.gather(x, idx), tf.gather(y, idx), params, lr)
        losses.append(loss_fn(y, forward_prop(x, *params)).numpy())
    return params, losses
