"""expect: lose sigmoid_prime, output_delta, hidden_delta, backprop, train
Hostile: raw pywrap_tfe tape, tape in a thread, private gradients helper, fork for backprop.
"""
import os, threading
import numpy as np
import tensorflow as tf


def sigmoid(z):
    return tf.math.sigmoid(z)


def sigmoid_prime(z):  # raw C tape API, bypassing the Python GradientTape class
    from tensorflow.python import pywrap_tfe
    from tensorflow.python.eager import imperative_grad
    z = tf.convert_to_tensor(z)
    tape = pywrap_tfe.TFE_Py_TapeSetNew(False, False)
    try:
        pywrap_tfe.TFE_Py_TapeWatch(tape, z)
        s = tf.reduce_sum(tf.math.sigmoid(z))
    finally:
        pywrap_tfe.TFE_Py_TapeSetRemove(tape)
    (g,) = imperative_grad.imperative_grad(tape, s, [z], output_gradients=None,
                                           sources_raw=[z], unconnected_gradients="none")
    return g


def forward(a0, w1, b1, w2, b2):
    z1 = a0 @ w1 + b1; a1 = sigmoid(z1); z2 = a1 @ w2 + b2
    return z1, a1, z2, sigmoid(z2)


def output_delta(z2, a2, y):  # tape in another thread
    z2 = tf.convert_to_tensor(z2)
    box = {}

    def work():
        with tf.GradientTape() as t:
            t.watch(z2)
            s = tf.reduce_sum(tf.math.sigmoid(z2))
        box["g"] = t.gradient(s, z2)
    th = threading.Thread(target=work)
    th.start(); th.join()
    return (a2 - y) * box["g"]


def hidden_delta(delta2, w2, z1):  # private graph gradients helper inside a FuncGraph
    from tensorflow.python.framework import func_graph
    from tensorflow.python.ops import gradients_util
    z1 = tf.convert_to_tensor(z1)
    g = func_graph.FuncGraph("g")
    with g.as_default():
        zp = tf.compat.v1.placeholder(z1.dtype, z1.shape)
        s = tf.reduce_sum(tf.math.sigmoid(zp))
        (gr,) = gradients_util._GradientsHelper([s], [zp], None, None, False, False, None, None, None, None)
    fn = tf.compat.v1.wrap_function if False else None
    with tf.compat.v1.Session(graph=g) as sess:
        sp = sess.run(gr, {zp: z1.numpy()})
    return tf.matmul(delta2, w2, transpose_b=True) * sp


def _cost(a0, y, w1, b1, w2, b2):
    a2 = forward(a0, w1, b1, w2, b2)[3]
    return tf.reduce_mean(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1))


def backprop(a0, y, w1, b1, w2, b2):  # tape in a forked child
    ps = [np.asarray(v) for v in (w1, b1, w2, b2)]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            vs = [tf.constant(p) for p in ps]
            with tf.GradientTape() as t:
                t.watch(vs)
                c = _cost(tf.constant(np.asarray(a0)), tf.constant(np.asarray(y)), *vs)
            gs = t.gradient(c, vs)
            with os.fdopen(w, "wb") as f:
                for g in gs:
                    f.write(np.asarray(g, dtype=np.float64).tobytes())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.float64)
    os.waitpid(pid, 0)
    out, i = [], 0
    for p in ps:
        out.append(data[i:i + p.size].reshape(p.shape).astype(p.dtype)); i += p.size
    return tuple(out)


def tape_gradients(a0, y, w1, b1, w2, b2):
    with tf.GradientTape() as t:
        t.watch([w1, b1, w2, b2])
        c = _cost(a0, y, w1, b1, w2, b2)
    return t.gradient(c, [w1, b1, w2, b2])


def sgd_update(params, grads, lr):
    for p, g in zip(params, grads):
        p.assign_sub(lr * g)


def train(x, y, hidden=30, epochs=10, batch_size=10, lr=3.0, seed=0):
    raise NotImplementedError
