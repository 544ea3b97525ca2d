"""expect: full
Held-out (written from the contract alone): ex04: as ex04_ok_nielsen (Network class, per-example accumulation inside backprop, module-level aliases),
but train calls self.backprop and self.sgd_update (the natural spelling inside a class)."""
import random
import numpy as np
import tensorflow as tf


class Network:
    def sigmoid(self, z):
        z = tf.convert_to_tensor(z)
        # 1/(1+exp(-z)) is finite in floating point for every z (exp overflows to inf -> 0)
        return 1.0 / (1.0 + tf.exp(-z))

    def sigmoid_prime(self, z):
        return self.sigmoid(z) * (1 - self.sigmoid(z))

    def forward(self, a0, w1, b1, w2, b2):
        z1 = tf.matmul(a0, w1) + b1
        a1 = self.sigmoid(z1)
        z2 = tf.matmul(a1, w2) + b2
        a2 = self.sigmoid(z2)
        return (z1, a1, z2, a2)

    def output_delta(self, z2, a2, y):
        return (a2 - y) * self.sigmoid_prime(z2)

    def hidden_delta(self, delta2, w2, z1):
        return tf.matmul(delta2, tf.transpose(w2)) * self.sigmoid_prime(z1)

    def backprop(self, a0, y, w1, b1, w2, b2):
        a0 = tf.convert_to_tensor(a0)
        y = tf.cast(y, a0.dtype)
        n = int(a0.shape[0])
        nabla_w1 = tf.zeros_like(w1)
        nabla_b1 = tf.zeros_like(b1)
        nabla_w2 = tf.zeros_like(w2)
        nabla_b2 = tf.zeros_like(b2)
        for i in range(n):                       # one example at a time
            xi = a0[i:i + 1]
            yi = y[i:i + 1]
            z1, a1, z2, a2 = self.forward(xi, w1, b1, w2, b2)
            d2 = self.output_delta(z2, a2, yi)
            d1 = self.hidden_delta(d2, w2, z1)
            nabla_w2 += tf.transpose(a1) @ d2
            nabla_b2 += d2[0]
            nabla_w1 += tf.transpose(xi) @ d1
            nabla_b1 += d1[0]
        return nabla_w1 / n, nabla_b1 / n, nabla_w2 / n, nabla_b2 / n

    def tape_gradients(self, a0, y, w1, b1, w2, b2):
        with tf.GradientTape() as tape:
            tape.watch([w1, b1, w2, b2])
            a2 = self.forward(a0, w1, b1, w2, b2)[3]
            cost = tf.reduce_sum(0.5 * tf.square(a2 - y)) / tf.cast(tf.shape(a0)[0], a2.dtype)
        return tuple(tape.gradient(cost, [w1, b1, w2, b2]))

    def sgd_update(self, params, grads, lr):
        for p, g in zip(params, grads):
            p.assign_sub(lr * g)

    def cost(self, x, y, params):
        a2 = self.forward(x, *params)[3]
        return float(tf.reduce_sum(0.5 * tf.square(a2 - y))) / int(x.shape[0])

    def train(self, x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
        x = tf.convert_to_tensor(x)
        y = tf.cast(y, x.dtype)
        n, d = x.shape
        k = y.shape[1]
        np_rng = np.random.RandomState(seed)
        shuffler = random.Random(seed)
        npdt = x.dtype.as_numpy_dtype
        params = [tf.Variable(np_rng.randn(d, hidden).astype(npdt) / np.sqrt(d).astype(npdt)),
                  tf.Variable(tf.zeros([hidden], x.dtype)),
                  tf.Variable(np_rng.randn(hidden, k).astype(npdt) / np.sqrt(hidden).astype(npdt)),
                  tf.Variable(tf.zeros([k], x.dtype))]
        history = []
        order = list(range(n))
        for j in range(epochs):
            shuffler.shuffle(order)
            mini_batches = [order[s:s + batch_size] for s in range(0, n, batch_size)]
            for mb in mini_batches:
                nabla = self.backprop(tf.gather(x, mb), tf.gather(y, mb), *params)
                self.sgd_update(params, nabla, lr)
            history.append(self.cost(x, y, params))
        return params, history


_net = Network()
sigmoid = _net.sigmoid
sigmoid_prime = _net.sigmoid_prime
forward = _net.forward
output_delta = _net.output_delta
hidden_delta = _net.hidden_delta
backprop = _net.backprop
tape_gradients = _net.tape_gradients
sgd_update = _net.sgd_update
train = _net.train
