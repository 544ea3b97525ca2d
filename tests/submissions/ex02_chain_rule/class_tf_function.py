"""expect: full
The layer's maths on a class of static methods, exported as module-level aliases; mse_grads and
the training step are tf.function graphs (retraced per dtype), the step uses SGD.apply_gradients.
"""
import numpy as np
import tensorflow as tf


class LinearRegression:
    @staticmethod
    def forward(x, W, b):
        return tf.linalg.matmul(x, W) + tf.expand_dims(b, 0)

    @staticmethod
    def loss(y_pred, y_true):
        return tf.math.reduce_mean(tf.math.squared_difference(y_pred, y_true))

    @staticmethod
    @tf.function
    def grads(x, y_true, W, b):
        y_pred = tf.linalg.matmul(x, W) + b
        scale = 2.0 / tf.cast(tf.reduce_prod(tf.shape(y_pred)), y_pred.dtype)
        delta = scale * (y_pred - y_true)
        return tf.linalg.matmul(x, delta, transpose_a=True), tf.math.reduce_sum(delta, axis=0)

    @classmethod
    def fit(cls, x, y_true, lr, steps, seed=0):
        x = tf.convert_to_tensor(x)
        y_true = tf.convert_to_tensor(y_true, dtype=x.dtype)
        d, k = int(x.shape[-1]), int(y_true.shape[-1])
        init = np.random.default_rng(seed).standard_normal((d, k)) / np.sqrt(d)
        W = tf.Variable(tf.constant(init, dtype=x.dtype), name="W")
        b = tf.Variable(tf.zeros([k], dtype=x.dtype), name="b")
        opt = tf.keras.optimizers.SGD(learning_rate=lr)

        @tf.function
        def step():
            loss = cls.loss(cls.forward(x, W, b), y_true)
            dW, db = cls.grads(x, y_true, W, b)
            opt.apply_gradients([(dW, W), (db, b)])
            return loss

        losses = [step() for _ in range(steps)]
        return W, b, tf.stack(losses) if losses else []


linear_forward = LinearRegression.forward
mse = LinearRegression.loss
mse_grads = LinearRegression.grads
fit_linear = LinearRegression.fit
