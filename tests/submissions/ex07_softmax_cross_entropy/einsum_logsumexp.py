"""expect: full
einsum and a log-sum-exp: the one-hot from tf.eye, the loss from the log-probabilities, a Keras SGD optimizer."""
import tensorflow as tf


def softmax(z):
    return tf.exp(z - tf.reduce_logsumexp(z, axis=1, keepdims=True))


def cross_entropy(probs, labels):
    onehot = tf.gather(tf.eye(probs.shape[1], dtype=probs.dtype), labels)
    return -tf.reduce_sum(onehot * tf.math.log(probs)) / tf.cast(tf.shape(probs)[0], probs.dtype)


def softmax_ce_grad(z, labels):
    onehot = tf.gather(tf.eye(z.shape[1], dtype=z.dtype), labels)
    return tf.einsum("nk,->nk", softmax(z) - onehot, 1.0 / tf.cast(tf.shape(z)[0], z.dtype))


def train_softmax_regression(x, labels, n_classes, lr=0.5, epochs=200, seed=0):
    d = x.shape[1]
    W = tf.Variable(tf.random.stateless_normal((d, n_classes), seed=(seed, 7), dtype=x.dtype) / d**0.5)
    b = tf.Variable(tf.zeros((n_classes,), dtype=x.dtype))
    optimizer = tf.keras.optimizers.SGD(learning_rate=lr)
    history = []
    for _ in range(epochs):
        z = tf.einsum("nd,dk->nk", x, W) + b
        history.append(cross_entropy(softmax(z), labels))
        dz = softmax_ce_grad(z, labels)
        optimizer.apply_gradients([(tf.einsum("nd,nk->dk", x, dz), W), (tf.reduce_sum(dz, axis=0), b)])
    return W, b, history
