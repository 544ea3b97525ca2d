"""expect: full
Red team (written from the contract alone).
cs231n-assignment style: numpy inside, all math upcast to float64, results cast back to the input dtype;
grads kept in a dict; tape_gradients returns tape.gradient's list directly; sgd_update via p.assign(p - lr*g)
with numpy; train shuffles with np.random.RandomState(seed)."""
import numpy as np
import tensorflow as tf


def _np(t):
    return t.numpy() if hasattr(t, "numpy") else np.asarray(t)


def _dt(t):
    return _np(t).dtype


def sigmoid(z):
    z = _np(z)
    out = np.empty_like(z, dtype=np.float64)
    zz = z.astype(np.float64)
    pos = zz >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-zz[pos]))
    e = np.exp(zz[~pos])
    out[~pos] = e / (1.0 + e)
    return out.astype(z.dtype)


def sigmoid_prime(z):
    s = sigmoid(z).astype(np.float64)
    return (s * (1.0 - s)).astype(_dt(z))


def forward(a0, w1, b1, w2, b2):
    dt = _dt(a0)
    X, W1, B1, W2, B2 = (_np(t).astype(np.float64) for t in (a0, w1, b1, w2, b2))
    z1 = X.dot(W1) + B1
    a1 = sigmoid(z1)
    z2 = a1.dot(W2) + B2
    a2 = sigmoid(z2)
    return tuple(v.astype(dt) for v in (z1, a1, z2, a2))


def output_delta(z2, a2, y):
    dt = _dt(z2)
    return ((_np(a2).astype(np.float64) - _np(y).astype(np.float64)) * sigmoid_prime(_np(z2).astype(np.float64))).astype(dt)


def hidden_delta(delta2, w2, z1):
    dt = _dt(z1)
    d2 = _np(delta2).astype(np.float64)
    W2 = _np(w2).astype(np.float64)
    return (d2.dot(W2.T) * sigmoid_prime(_np(z1).astype(np.float64))).astype(dt)


def backprop(a0, y, w1, b1, w2, b2):
    dt = _dt(a0)
    X = _np(a0).astype(np.float64)
    Y = _np(y).astype(np.float64)
    W1, B1, W2, B2 = (_np(t).astype(np.float64) for t in (w1, b1, w2, b2))
    N = X.shape[0]
    z1, a1, z2, a2 = forward(X, W1, B1, W2, B2)
    dscores = output_delta(z2, a2, Y)
    grads = {}
    grads["W2"] = a1.T.dot(dscores) / N
    grads["b2"] = np.sum(dscores, axis=0) / N
    dhidden = hidden_delta(dscores, W2, z1)
    grads["W1"] = X.T.dot(dhidden) / N
    grads["b1"] = np.sum(dhidden, axis=0) / N
    return tuple(grads[k].astype(dt) for k in ("W1", "b1", "W2", "b2"))


def tape_gradients(a0, y, w1, b1, w2, b2):
    params = [tf.convert_to_tensor(p) for p in (w1, b1, w2, b2)]
    a0 = tf.convert_to_tensor(a0)
    y = tf.cast(y, a0.dtype)
    with tf.GradientTape() as tape:
        tape.watch(params)
        a1 = tf.sigmoid(a0 @ params[0] + params[1])
        a2 = tf.sigmoid(a1 @ params[2] + params[3])
        C = tf.reduce_mean(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1))
    return tape.gradient(C, params)


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign(p.numpy() - lr * _np(g).astype(p.numpy().dtype))


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    X = _np(x)
    Y = _np(y).astype(X.dtype)
    num_train, D = X.shape
    C = Y.shape[1]
    rs = np.random.RandomState(seed)
    W1 = tf.Variable((rs.randn(D, hidden) / np.sqrt(D)).astype(X.dtype))
    b1 = tf.Variable(np.zeros(hidden, dtype=X.dtype))
    W2 = tf.Variable((rs.randn(hidden, C) / np.sqrt(hidden)).astype(X.dtype))
    b2 = tf.Variable(np.zeros(C, dtype=X.dtype))
    params = [W1, b1, W2, b2]
    loss_history = []
    for it in range(epochs):
        idx = np.arange(num_train)
        rs.shuffle(idx)
        for start in range(0, num_train, batch_size):
            batch = idx[start:start + batch_size]
            X_batch = tf.constant(X[batch])
            y_batch = tf.constant(Y[batch])
            g = backprop(X_batch, y_batch, *params)
            sgd_update(params, g, lr)
        a2 = forward(X, *[p.numpy() for p in params])[3].astype(np.float64)
        loss_history.append(float(np.mean(0.5 * np.sum((a2 - Y) ** 2, axis=1))))
    return params, loss_history
