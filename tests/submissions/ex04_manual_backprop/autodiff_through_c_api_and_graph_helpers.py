"""expect: lose sigmoid_prime, output_delta, hidden_delta, backprop, train
Hostile: raw C tape API, private graph-gradients helper, keras fit, registered gradient fn.
"""
import numpy as np
import tensorflow as tf
from tensorflow.python import pywrap_tfe


def sigmoid(z):
    return tf.math.sigmoid(z)


def sigmoid_prime(z):  # the C tape directly
    z = tf.convert_to_tensor(z)
    raw = pywrap_tfe.TFE_Py_TapeSetNew(False, False)
    try:
        pywrap_tfe.TFE_Py_TapeWatch(raw, z)
        s = tf.reduce_sum(tf.math.sigmoid(z))
    finally:
        pywrap_tfe.TFE_Py_TapeSetRemove(raw)
    return pywrap_tfe.TFE_Py_TapeGradient(raw, [s], [z], None, [z], "none")[0]


def forward(a0, w1, b1, w2, b2):
    z1 = a0 @ w1 + b1; a1 = sigmoid(z1); z2 = a1 @ w2 + b2
    return z1, a1, z2, sigmoid(z2)


def output_delta(z2, a2, y):  # registered gradient function of the Sigmoid op, called by hand
    from tensorflow.python.framework import ops
    z2 = tf.convert_to_tensor(z2)
    g = tf.Graph()
    with g.as_default():
        zp = tf.compat.v1.placeholder(z2.dtype, z2.shape)
        s = tf.math.sigmoid(zp)
        grad_fn = ops.get_gradient_function(s.op)
        sp = grad_fn(s.op, tf.ones_like(s))
    with tf.compat.v1.Session(graph=g) as sess:
        spv = sess.run(sp, {zp: z2.numpy()})
    return (a2 - y) * spv


def hidden_delta(delta2, w2, z1):  # private graph gradients helper
    from tensorflow.python.ops import gradients_util
    z1 = tf.convert_to_tensor(z1)
    g = tf.Graph()
    with g.as_default():
        zp = tf.compat.v1.placeholder(z1.dtype, z1.shape)
        s = tf.reduce_sum(tf.math.sigmoid(zp))
        (gr,) = gradients_util._GradientsHelper([s], [zp], src_graph=g)
    with tf.compat.v1.Session(graph=g) as sess:
        sp = sess.run(gr, {zp: z1.numpy()})
    return tf.matmul(delta2, w2, transpose_b=True) * sp


def backprop(a0, y, w1, b1, w2, b2):  # raw C tape for the whole cost
    vs = [tf.convert_to_tensor(v) for v in (w1, b1, w2, b2)]
    raw = pywrap_tfe.TFE_Py_TapeSetNew(False, False)
    try:
        for v in vs:
            pywrap_tfe.TFE_Py_TapeWatch(raw, v)
        a2 = forward(a0, *vs)[3]
        c = tf.reduce_mean(0.5 * tf.reduce_sum((a2 - y) ** 2, axis=1))
    finally:
        pywrap_tfe.TFE_Py_TapeSetRemove(raw)
    return tuple(pywrap_tfe.TFE_Py_TapeGradient(raw, [c], vs, None, vs, "none"))


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
