"""expect: full
Red team (written from the contract alone).
tf.function-compiled helpers (retraced per dtype), tf.gather(batch_dims=1) for the label entries,
a one-hot from tf.one_hot in z's dtype, and a Keras SGD optimizer applying (x^T dz, sum dz)."""
import numpy as np
import tensorflow as tf


@tf.function
def softmax(z):
    z = z - tf.reduce_max(z, axis=-1, keepdims=True)
    e = tf.exp(z)
    return e / tf.reduce_sum(e, axis=-1, keepdims=True)


@tf.function
def cross_entropy(probs, labels):
    picked = tf.gather(probs, tf.cast(labels, tf.int32)[:, None], axis=1, batch_dims=1)[:, 0]
    return -tf.reduce_mean(tf.math.log(picked))


@tf.function
def softmax_ce_grad(z, labels):
    k = tf.shape(z)[1]
    n = tf.cast(tf.shape(z)[0], z.dtype)
    return (softmax(z) - tf.one_hot(labels, k, dtype=z.dtype)) / n


def train_softmax_regression(x, labels, n_classes, lr=0.5, epochs=200, seed=0):
    x = tf.convert_to_tensor(x)
    d = int(x.shape[1])
    init = np.random.default_rng(seed).standard_normal((d, n_classes)) / np.sqrt(d)
    W = tf.Variable(tf.constant(init, dtype=x.dtype))
    b = tf.Variable(tf.zeros([n_classes], dtype=x.dtype))
    opt = tf.keras.optimizers.SGD(learning_rate=lr)

    @tf.function
    def step():
        z = tf.matmul(x, W) + b
        loss = cross_entropy(softmax(z), labels)
        dz = softmax_ce_grad(z, labels)
        opt.apply_gradients([(tf.matmul(x, dz, transpose_a=True), W), (tf.reduce_sum(dz, axis=0), b)])
        return loss

    history = [float(step()) for _ in range(epochs)]
    return W, b, history
