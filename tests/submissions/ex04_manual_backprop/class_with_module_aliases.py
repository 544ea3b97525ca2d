"""expect: full
Every function is a method of a Network object; the module exposes them as aliases (backprop = _net.backprop).
"""
import numpy as np
import tensorflow as tf




class Network:
    """Nielsen-style: the whole network as one object."""

    def sigmoid(self, z):
        return tf.math.sigmoid(z)

    def sigmoid_prime(self, z):
        s = self.sigmoid(z)
        return s * (1 - s)

    def forward(self, a0, w1, b1, w2, b2):
        z1 = a0 @ w1 + b1
        a1 = self.sigmoid(z1)
        z2 = a1 @ w2 + b2
        return z1, a1, z2, self.sigmoid(z2)

    def output_delta(self, z2, a2, y):
        return (a2 - y) * self.sigmoid_prime(z2)

    def hidden_delta(self, delta2, w2, z1):
        return tf.matmul(delta2, w2, transpose_b=True) * self.sigmoid_prime(z1)

    def backprop(self, a0, y, w1, b1, w2, b2):
        z1, a1, z2, a2 = self.forward(a0, w1, b1, w2, b2)
        delta2 = self.output_delta(z2, a2, y)
        delta1 = self.hidden_delta(delta2, w2, z1)
        n = tf.cast(tf.shape(a0)[0], delta2.dtype)
        return (tf.matmul(a0, delta1, transpose_a=True) / n, tf.reduce_mean(delta1, axis=0),
                tf.matmul(a1, delta2, transpose_a=True) / n, tf.reduce_mean(delta2, axis=0))

    def tape_gradients(self, a0, y, w1, b1, w2, b2):
        params = [w1, b1, w2, b2]
        with tf.GradientTape() as tape:
            tape.watch(params)
            cost = self.cost(a0, y, params)
        return tape.gradient(cost, params)

    def sgd_update(self, params, grads, lr):
        for p, g in zip(params, grads):
            p.assign_sub(lr * tf.cast(g, p.dtype))

    def cost(self, x, y, params):
        a2 = self.forward(x, *params)[3]
        return tf.reduce_mean(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1))

    def train(self, x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
        x = tf.convert_to_tensor(x)
        y = tf.cast(y, x.dtype)
        n, d = x.shape
        k = y.shape[1]
        rng = np.random.default_rng(seed)
        dt = x.dtype.as_numpy_dtype
        params = [tf.Variable(rng.normal(0, d ** -0.5, (d, hidden)).astype(dt)),
                  tf.Variable(tf.zeros(hidden, x.dtype)),
                  tf.Variable(rng.normal(0, hidden ** -0.5, (hidden, k)).astype(dt)),
                  tf.Variable(tf.zeros(k, x.dtype))]
        history = []
        for _ in range(epochs):
            order = rng.permutation(n)
            for i in range(0, n, batch_size):
                idx = order[i:i + batch_size]
                self.sgd_update(params, self.backprop(tf.gather(x, idx), tf.gather(y, idx), *params), lr)
            history.append(float(self.cost(x, y, params)))
        return params, history


_net = Network()
sigmoid, sigmoid_prime, forward = _net.sigmoid, _net.sigmoid_prime, _net.forward
output_delta, hidden_delta, backprop = _net.output_delta, _net.hidden_delta, _net.backprop
tape_gradients, sgd_update, train = _net.tape_gradients, _net.sgd_update, _net.train
