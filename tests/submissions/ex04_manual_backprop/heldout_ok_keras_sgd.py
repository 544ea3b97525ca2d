"""expect: full
Held-out (written from the contract alone): ex04: sgd_update via tf.keras.optimizers.SGD.apply_gradients; stateless_shuffle per epoch;
tf.math.sigmoid; tf.random.Generator init."""
import tensorflow as tf


def sigmoid(z):
    return tf.math.sigmoid(z)


def sigmoid_prime(z):
    sig = tf.math.sigmoid(z)
    return sig * (1.0 - sig)


def forward(a0, w1, b1, w2, b2):
    z1 = tf.linalg.matmul(a0, w1) + b1
    a1 = sigmoid(z1)
    z2 = tf.linalg.matmul(a1, w2) + b2
    return z1, a1, z2, sigmoid(z2)


def output_delta(z2, a2, y):
    return tf.multiply(tf.subtract(a2, y), sigmoid_prime(z2))


def hidden_delta(delta2, w2, z1):
    return tf.linalg.matmul(delta2, tf.transpose(w2)) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    d2 = output_delta(z2, a2, y)
    d1 = hidden_delta(d2, w2, z1)
    n = tf.cast(tf.shape(a0)[0], d2.dtype)
    dw2 = tf.transpose(a1) @ d2 / n
    db2 = tf.reduce_sum(d2, 0) / n
    dw1 = tf.transpose(a0) @ d1 / n
    db1 = tf.reduce_sum(d1, 0) / n
    return dw1, db1, dw2, db2


def tape_gradients(a0, y, w1, b1, w2, b2):
    w1, b1, w2, b2 = (tf.identity(t) for t in (w1, b1, w2, b2))
    with tf.GradientTape() as g:
        g.watch([w1, b1, w2, b2])
        a2 = forward(a0, w1, b1, w2, b2)[-1]
        n = tf.cast(tf.shape(a2)[0], a2.dtype)
        C = (1.0 / n) * tf.reduce_sum(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1))
    return tuple(g.gradient(C, [w1, b1, w2, b2]))


def sgd_update(params, grads, lr):
    opt = tf.keras.optimizers.SGD(learning_rate=lr)
    opt.apply_gradients(zip([tf.convert_to_tensor(g, dtype=p.dtype) for p, g in zip(params, grads)],
                            params))


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = x.shape
    classes = y.shape[-1]
    gen = tf.random.Generator.from_seed(seed)
    params = [tf.Variable(gen.normal([d, hidden], stddev=d ** -0.5, dtype=x.dtype)),
              tf.Variable(tf.zeros([hidden], dtype=x.dtype)),
              tf.Variable(gen.normal([hidden, classes], stddev=hidden ** -0.5, dtype=x.dtype)),
              tf.Variable(tf.zeros([classes], dtype=x.dtype))]
    history = []
    for e in range(epochs):
        perm = tf.random.experimental.stateless_shuffle(tf.range(n), seed=[seed, e])
        xs, ys = tf.gather(x, perm), tf.gather(y, perm)
        for i in range(0, n, batch_size):
            grads = backprop(xs[i:i + batch_size], ys[i:i + batch_size], *params)
            sgd_update(params, grads, lr)
        a2 = forward(x, *params)[3]
        history.append(float(tf.reduce_mean(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1))))
    return params, history
