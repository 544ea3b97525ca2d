"""expect: full
einsum for every product; sigmoid_prime as exp(-|z|) / (1 + exp(-|z|))**2 (the same function, written
stably); sgd_update through a Keras SGD optimizer; shuffling with tf.random stateless ops.
"""
import tensorflow as tf

_optimizers = {}


def sigmoid(z):
    z = tf.convert_to_tensor(z)
    # sigmoid(z) = exp(min(z,0)) / (exp(min(z,0)) + exp(min(-z,0)))
    num = tf.exp(tf.minimum(z, 0.0))
    return num / (num + tf.exp(tf.minimum(-z, 0.0)))


def sigmoid_prime(z):
    z = tf.convert_to_tensor(z)
    e = tf.exp(-tf.abs(z))
    return e / tf.square(1.0 + e)


def forward(a0, w1, b1, w2, b2):
    z1 = tf.einsum('nd,dh->nh', a0, w1) + b1
    a1 = sigmoid(z1)
    z2 = tf.einsum('nh,hc->nc', a1, w2) + b2
    a2 = sigmoid(z2)
    return z1, a1, z2, a2


def output_delta(z2, a2, y):
    return tf.einsum('nc,nc->nc', a2 - y, sigmoid_prime(z2))


def hidden_delta(delta2, w2, z1):
    return tf.einsum('nc,hc->nh', delta2, w2) * sigmoid_prime(z1)


def backprop(a0, y, w1, b1, w2, b2):
    z1, a1, z2, a2 = forward(a0, w1, b1, w2, b2)
    n = tf.cast(tf.shape(z1)[0], z1.dtype)
    d2 = output_delta(z2, a2, y)
    d1 = hidden_delta(d2, w2, z1)
    return (tf.einsum('nd,nh->dh', a0, d1) / n,
            tf.einsum('nh->h', d1) / n,
            tf.einsum('nh,nc->hc', a1, d2) / n,
            tf.einsum('nc->c', d2) / n)


def tape_gradients(a0, y, w1, b1, w2, b2):
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        params = [tf.identity(p) for p in (w1, b1, w2, b2)]
        for p in params:
            tape.watch(p)
        a2 = forward(a0, *params)[3]
        n = tf.cast(tf.shape(a2)[0], a2.dtype)
        cost = tf.einsum('nc,nc->', a2 - y, a2 - y) / (2.0 * n)
    return tape.gradient(cost, params)


def sgd_update(params, grads, lr):
    lr = float(lr)
    if lr not in _optimizers:
        _optimizers[lr] = tf.keras.optimizers.SGD(learning_rate=lr)
    opt = _optimizers[lr]
    try:
        opt.apply_gradients(zip(grads, params))
    except (ValueError, KeyError):
        # this optimizer was built for other variables: use a fresh one
        _optimizers[lr] = opt = tf.keras.optimizers.SGD(learning_rate=lr)
        opt.apply_gradients(zip(grads, params))


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    x = tf.convert_to_tensor(x)
    y = tf.cast(y, x.dtype)
    n, d = int(x.shape[0]), int(x.shape[1])
    classes = int(y.shape[1])
    w1 = tf.Variable(tf.random.stateless_normal((d, hidden), seed=[seed, 1], dtype=x.dtype)
                     / tf.sqrt(tf.cast(d, x.dtype)))
    b1 = tf.Variable(tf.zeros((hidden,), x.dtype))
    w2 = tf.Variable(tf.random.stateless_normal((hidden, classes), seed=[seed, 2], dtype=x.dtype)
                     / tf.sqrt(tf.cast(hidden, x.dtype)))
    b2 = tf.Variable(tf.zeros((classes,), x.dtype))
    params = [w1, b1, w2, b2]
    history = []
    for epoch in range(epochs):
        perm = tf.random.experimental.stateless_shuffle(tf.range(n), seed=[seed, 100 + epoch])
        xs, ys = tf.gather(x, perm), tf.gather(y, perm)
        for start in range(0, n, batch_size):
            grads = backprop(xs[start:start + batch_size], ys[start:start + batch_size], *params)
            sgd_update(params, grads, lr)
        a2 = forward(x, *params)[3]
        history.append(0.5 * tf.reduce_sum(tf.square(a2 - y)) / n)
    return params, history
