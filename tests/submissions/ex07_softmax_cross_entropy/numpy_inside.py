"""expect: full
numpy inside: tensors converted with np.asarray, ndarrays returned; labels indexed with fancy indexing."""
import numpy as np


def softmax(z):
    z = np.asarray(z)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def cross_entropy(probs, labels):
    probs, labels = np.asarray(probs), np.asarray(labels)
    return float(-np.mean(np.log(probs[np.arange(len(labels)), labels])))


def softmax_ce_grad(z, labels):
    z, labels = np.asarray(z), np.asarray(labels)
    onehot = np.zeros_like(z)
    onehot[np.arange(len(labels)), labels] = 1
    return (softmax(z) - onehot) / len(labels)


def train_softmax_regression(x, labels, n_classes, lr=0.5, epochs=200, seed=0):
    x, labels = np.asarray(x), np.asarray(labels)
    d = x.shape[1]
    W = np.random.default_rng(seed).normal(0.0, 1.0 / np.sqrt(d), size=(d, n_classes)).astype(x.dtype)
    b = np.zeros(n_classes, dtype=x.dtype)
    history = []
    for _ in range(epochs):
        z = x @ W + b
        history.append(cross_entropy(softmax(z), labels))
        dz = softmax_ce_grad(z, labels)
        W = W - lr * x.T @ dz
        b = b - lr * dz.sum(axis=0)
    return W, b, history
