"""expect: full
Held-out (written from the contract alone): ex02: class with module-level aliases; @tf.function manual gradient; float64-safe."""
import tensorflow as tf


class LinearLayer:
    @staticmethod
    @tf.function
    def forward(x, W, b):
        return x @ W + b

    @staticmethod
    def loss(y_pred, y_true):
        return tf.reduce_mean((y_pred - y_true) ** 2)

    @staticmethod
    @tf.function
    def grads(x, y_true, W, b):
        y_pred = x @ W + b
        n = tf.cast(tf.shape(y_pred)[0], y_pred.dtype)
        k = tf.cast(tf.shape(y_pred)[1], y_pred.dtype)
        dL_dy = (2.0 / (n * k)) * (y_pred - y_true)
        dW = tf.transpose(x) @ dL_dy
        db = tf.reduce_sum(dL_dy, axis=0)
        return dW, db

    def fit(self, x, y_true, lr, steps, seed=0):
        tf.random.set_seed(seed)
        d, k = x.shape[1], y_true.shape[1]
        W = tf.Variable(tf.random.normal((d, k), stddev=0.5 / d ** 0.5, dtype=x.dtype), name="W")
        b = tf.Variable(tf.zeros((k,), dtype=x.dtype), name="b")
        opt = tf.keras.optimizers.SGD(learning_rate=lr)
        losses = []
        for _ in range(steps):
            losses.append(float(self.loss(self.forward(x, W, b), y_true)))
            dW, db = mse_grads(x, y_true, W, b)
            opt.apply_gradients(zip([dW, db], [W, b]))
        return W, b, losses


_layer = LinearLayer()
linear_forward = _layer.forward
mse = _layer.loss
mse_grads = _layer.grads
fit_linear = _layer.fit
