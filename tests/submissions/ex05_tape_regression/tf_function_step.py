"""expect: full
train_step compiled with tf.function (returns a tensor); stable sigmoid via tf.math.sigmoid;
init from a tf.random.Generator; fixed-size mini-batches from a seeded shuffle, last one smaller.
"""
import tensorflow as tf


def forward_prop(x, w1, b1, w2, b2):
    return tf.add(tf.matmul(tf.math.sigmoid(tf.add(tf.matmul(x, w1), b1)), w2), b2)


def loss_fn(y, y_pred):
    return tf.reduce_mean(tf.math.squared_difference(y, y_pred)) / 2


@tf.function(reduce_retracing=True)
def _step(x, y, w1, b1, w2, b2, lr):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, forward_prop(x, w1, b1, w2, b2))
    grads = tape.gradient(loss, [w1, b1, w2, b2])
    for v, g in zip([w1, b1, w2, b2], grads):
        v.assign_sub(tf.cast(lr, v.dtype) * g)
    return loss


def train_step(x, y, params, lr):
    w1, b1, w2, b2 = params
    return _step(tf.convert_to_tensor(x), tf.convert_to_tensor(y), w1, b1, w2, b2,
                 tf.constant(lr, tf.float64))


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.reshape(tf.cast(y, x.dtype), (-1, 1))
    n, d = int(x.shape[0]), int(x.shape[1])
    gen = tf.random.Generator.from_seed(seed)
    w1 = tf.Variable(gen.normal((d, hidden), dtype=x.dtype) / tf.sqrt(tf.cast(d, x.dtype)))
    b1 = tf.Variable(tf.zeros((hidden,), x.dtype))
    w2 = tf.Variable(gen.normal((hidden, 1), dtype=x.dtype) / tf.sqrt(tf.cast(hidden, x.dtype)))
    b2 = tf.Variable(tf.zeros((1,), x.dtype))
    params = [w1, b1, w2, b2]
    size = n if batch_size is None else batch_size
    losses = []
    for epoch in range(epochs):
        if size >= n:
            xs, ys = x, y
        else:
            perm = tf.random.experimental.stateless_shuffle(tf.range(n), seed=[seed, epoch])
            xs, ys = tf.gather(x, perm), tf.gather(y, perm)
        for i in range(0, n, size):
            train_step(xs[i:i + size], ys[i:i + size], params, lr)
        losses.append(float(loss_fn(y, forward_prop(x, *params))))
    return params, losses
