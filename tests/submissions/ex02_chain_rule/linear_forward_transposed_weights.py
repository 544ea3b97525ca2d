"""expect: lose linear_forward, fit_linear
I wrote x @ W.T + b in linear_forward (W is (d, k): no transpose is needed; this only runs when d == k,
otherwise it raises).
"""
import numpy as np
import tensorflow as tf


def _np(t):
    return t.numpy() if hasattr(t, 'numpy') else np.asarray(t)


def linear_forward(x, W, b):
    return _np(x) @ _np(W).T + _np(b)


def mse(y_pred, y_true):
    diff = _np(y_pred) - _np(y_true)
    return np.mean(diff ** 2)


def mse_grads(x, y_true, W, b):
    x, y_true, W, b = _np(x), _np(y_true), _np(W), _np(b)
    r = x @ W + b - y_true
    scale = r.dtype.type(2.0 / r.size)
    dW = scale * (x.T @ r)
    db = scale * r.sum(axis=0)
    return dW.astype(W.dtype), db.astype(b.dtype)


def fit_linear(x, y_true, lr, steps, seed=0):
    xn, yn = _np(x), _np(y_true)
    rng = np.random.default_rng(seed)
    d, k = xn.shape[1], yn.shape[1]
    W = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(d), size=(d, k)).astype(xn.dtype))
    b = tf.Variable(np.zeros(k, dtype=xn.dtype))
    opt = tf.keras.optimizers.SGD(learning_rate=lr)
    losses = []
    for _ in range(steps):
        losses.append(float(mse(linear_forward(xn, W, b), yn)))
        dW, db = mse_grads(xn, yn, W, b)
        opt.apply_gradients([(tf.convert_to_tensor(dW), W), (tf.convert_to_tensor(db), b)])
    return W, b, losses
