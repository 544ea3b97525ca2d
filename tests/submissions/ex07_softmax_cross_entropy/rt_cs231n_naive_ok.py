"""expect: full
Red team (written from the contract alone).
cs231n softmax_loss_naive style: explicit per-example loops in numpy for the loss and the gradient
(dscores[i, y_i] -= 1 on a copy, then / N); a legacy np.random.RandomState(seed) init with
randn / sqrt(d); parameters and history returned as numpy arrays / a Python list."""
import numpy as np


def softmax(z):
    z = np.array(z, dtype=np.asarray(z).dtype)
    out = np.empty_like(z)
    for i in range(z.shape[0]):
        row = z[i] - np.max(z[i])
        e = np.exp(row)
        out[i] = e / np.sum(e)
    return out


def cross_entropy(probs, labels):
    probs = np.asarray(probs)
    labels = np.asarray(labels)
    N = probs.shape[0]
    loss = 0.0
    for i in range(N):
        loss += -np.log(probs[i, int(labels[i])])
    return loss / N


def softmax_ce_grad(z, labels):
    z = np.asarray(z)
    labels = np.asarray(labels)
    N = z.shape[0]
    dscores = softmax(z)
    for i in range(N):
        dscores[i, int(labels[i])] -= 1
    dscores /= N
    return dscores


def train_softmax_regression(x, labels, n_classes, lr=0.5, epochs=200, seed=0):
    X = np.asarray(x)
    y = np.asarray(labels)
    D = X.shape[1]
    rs = np.random.RandomState(seed)
    W = (rs.randn(D, n_classes) / np.sqrt(D)).astype(X.dtype)
    b = np.zeros(n_classes, dtype=X.dtype)
    history = []
    for _ in range(epochs):
        scores = X.dot(W) + b
        history.append(float(cross_entropy(softmax(scores), y)))
        dscores = softmax_ce_grad(scores, y)
        W -= lr * X.T.dot(dscores)
        b -= lr * np.sum(dscores, axis=0)
    return W, b, history
