"""expect: lose sigmoid_prime, output_delta, hidden_delta, backprop, train
Hostile: autodiff in another process (fork / subprocess), keras minimize, tf.test.compute_gradient.
"""
import json, os, subprocess, sys
import numpy as np
import tensorflow as tf


def sigmoid(z):
    return tf.math.sigmoid(z)


def sigmoid_prime(z):  # tape in a forked child, result through a pipe
    z = np.asarray(z, dtype=np.float64)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            zz = tf.constant(z)
            with tf.GradientTape() as t:
                t.watch(zz)
                s = tf.reduce_sum(tf.math.sigmoid(zz))
            g = t.gradient(s, zz).numpy()
            with os.fdopen(w, "wb") as f:
                f.write(g.tobytes())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = f.read()
    os.waitpid(pid, 0)
    return np.frombuffer(data, dtype=np.float64).reshape(z.shape)


def forward(a0, w1, b1, w2, b2):
    z1 = a0 @ w1 + b1; a1 = sigmoid(z1); z2 = a1 @ w2 + b2
    return z1, a1, z2, sigmoid(z2)


def output_delta(z2, a2, y):  # keras optimizer.minimize does the differentiation
    z = tf.Variable(tf.convert_to_tensor(z2))
    yy = tf.convert_to_tensor(y)
    opt = tf.keras.optimizers.SGD(learning_rate=1.0)
    before = tf.identity(z)
    opt.minimize(lambda: tf.reduce_sum(0.5 * (tf.math.sigmoid(z) - yy) ** 2), [z])
    return before - z


_CHILD = r"""
import sys, json, numpy as np, os
os.environ['TF_CPP_MIN_LOG_LEVEL']='3'
import tensorflow as tf
d = json.load(sys.stdin)
z = tf.constant(np.array(d['z']))
with tf.GradientTape() as t:
    t.watch(z); s = tf.reduce_sum(tf.math.sigmoid(z))
print(json.dumps(t.gradient(s, z).numpy().tolist()))
"""


def hidden_delta(delta2, w2, z1):  # tape in a fresh subprocess
    z1n = np.asarray(z1, dtype=np.float64)
    out = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps({"z": z1n.tolist()}),
                         capture_output=True, text=True, timeout=120)
    sp = np.array(json.loads(out.stdout.strip().splitlines()[-1]))
    d = np.asarray(delta2) @ np.asarray(w2).T * sp
    return d.astype(np.asarray(z1).dtype)


def backprop(a0, y, w1, b1, w2, b2):  # tf.test.compute_gradient's theoretical Jacobian
    a0 = tf.convert_to_tensor(a0); y = tf.convert_to_tensor(y)
    n = int(a0.shape[0])
    params = [tf.convert_to_tensor(v) for v in (w1, b1, w2, b2)]
    out = []
    for i in range(4):
        def f(v, i=i):
            ps = list(params); ps[i] = v
            a2 = forward(a0, *ps)[3]
            return tf.reshape(tf.reduce_mean(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1)), [1])
        theo, _ = tf.test.compute_gradient(f, [params[i]], delta=1e-3)
        out.append(tf.reshape(tf.constant(theo[0], dtype=params[i].dtype), params[i].shape))
    return tuple(out)


def tape_gradients(a0, y, w1, b1, w2, b2):
    with tf.GradientTape() as t:
        t.watch([w1, b1, w2, b2])
        a2 = forward(a0, w1, b1, w2, b2)[3]
        c = tf.reduce_mean(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1))
    return t.gradient(c, [w1, b1, w2, b2])


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * g)


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    raise NotImplementedError
