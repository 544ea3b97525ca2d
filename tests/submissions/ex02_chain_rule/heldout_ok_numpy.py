"""expect: full
Held-out (written from the contract alone): ex02: numpy inside; tensors converted with .numpy(), ndarrays returned."""
import numpy as np
import tensorflow as tf


def linear_forward(x, W, b):
    return np.asarray(x) @ np.asarray(W) + np.asarray(b)


def mse(y_pred, y_true):
    d = np.asarray(y_pred) - np.asarray(y_true)
    return float(np.mean(d ** 2))


def mse_grads(x, y_true, W, b):
    x = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    y = y_true.numpy() if hasattr(y_true, "numpy") else np.asarray(y_true)
    Wn = W.numpy() if hasattr(W, "numpy") else np.asarray(W)
    bn = b.numpy() if hasattr(b, "numpy") else np.asarray(b)
    r = x @ Wn + bn - y                    # (n, k)
    scale = 2.0 / r.size                   # mean over all n*k elements
    dW = scale * x.T @ r
    db = scale * r.sum(axis=0)
    return dW, db


def fit_linear(x, y_true, lr, steps, seed=0):
    x = tf.convert_to_tensor(x)
    y_true = tf.convert_to_tensor(y_true)
    d, k = x.shape[1], y_true.shape[1]
    rng = np.random.default_rng(seed)
    W = tf.Variable(rng.normal(0.0, 1.0 / np.sqrt(d), size=(d, k)).astype(x.dtype.as_numpy_dtype))
    b = tf.Variable(np.zeros(k, dtype=x.dtype.as_numpy_dtype))
    opt = tf.keras.optimizers.SGD(lr)
    losses = []
    for _ in range(steps):
        losses.append(mse(linear_forward(x, W, b), y_true))
        dW, db = mse_grads(x, y_true, W, b)
        opt.apply_gradients([(tf.constant(dW), W), (tf.constant(db), b)])
    return W, b, losses
