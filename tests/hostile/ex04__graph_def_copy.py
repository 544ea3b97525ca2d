"""expect: lose sigmoid_prime; maybe output_delta, hidden_delta, backprop, train, forward, tape_gradients, sgd_update
Traces sigmoid's gradient with a tape at import, copies the graph through a GraphDef into a fresh function, and calls that.
"""
import tensorflow as tf


def _copied(dtype):
    @tf.function(input_signature=[tf.TensorSpec(None, dtype, name="z")])
    def traced(z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            total = tf.reduce_sum(tf.math.sigmoid(z))
        return tf.identity(tape.gradient(total, z), name="slope")

    graph = traced.get_concrete_function().graph
    graph_def = graph.as_graph_def()
    inp = graph.inputs[0].name
    out = graph.outputs[0].name

    def body():
        tf.graph_util.import_graph_def(graph_def, name="")

    wrapped = tf.compat.v1.wrap_function(body, [])
    return wrapped.prune(feeds=[wrapped.graph.as_graph_element(inp)], fetches=[wrapped.graph.as_graph_element(out)])


_COPIES = {tf.float32: _copied(tf.float32), tf.float64: _copied(tf.float64)}


def sigmoid(z):
    return tf.math.sigmoid(z)


def sigmoid_prime(z):
    z = tf.convert_to_tensor(z)
    return _COPIES[z.dtype](z)[0]
