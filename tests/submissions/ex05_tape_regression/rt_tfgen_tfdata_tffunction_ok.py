"""expect: full
Red team (written from the contract alone).
tf.random.Generator.from_seed init, tf.data shuffle(seed, reshuffle_each_iteration) + batch, tf.function train step
wrapper, Keras SGD not used; losses as a list of numpy scalars; forward via tf.nn.bias_add and tf.math.sigmoid."""
import tensorflow as tf


def forward_prop(x, w1, b1, w2, b2):
    h = tf.math.sigmoid(tf.nn.bias_add(tf.matmul(x, w1), b1))
    return tf.nn.bias_add(tf.matmul(h, w2), b2)


def loss_fn(y, y_pred):
    return 0.5 * tf.reduce_mean(tf.math.squared_difference(y, y_pred))


def train_step(x, y, params, lr):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, forward_prop(x, *params))
    grads = tape.gradient(loss, params)
    for p, g in zip(params, grads):
        p.assign_sub(lr * g)
    return loss


def train(x, y, hidden=16, epochs=200, lr=0.1, batch_size=None, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    gen = tf.random.Generator.from_seed(seed)
    params = [tf.Variable(gen.normal([d, hidden], stddev=1 / d ** 0.5, dtype=x.dtype)),
              tf.Variable(tf.zeros([hidden], x.dtype)),
              tf.Variable(gen.normal([hidden, 1], stddev=1 / hidden ** 0.5, dtype=x.dtype)),
              tf.Variable(tf.zeros([1], x.dtype))]
    ds = (tf.data.Dataset.from_tensor_slices((x, y))
          .shuffle(n, seed=seed, reshuffle_each_iteration=True)
          .batch(batch_size or n))
    step = tf.function(train_step, reduce_retracing=True)
    losses = []
    for _ in range(epochs):
        for xb, yb in ds:
            step(xb, yb, params, tf.constant(lr, x.dtype))
        losses.append(loss_fn(y, forward_prop(x, *params)).numpy())
    return params, losses
