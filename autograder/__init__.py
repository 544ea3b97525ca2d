"""backprop-kit's grader: load a submission, run it in isolation, compare with the oracle, score, report."""

import os

# TensorFlow's C++ side writes to file descriptor 2 while it loads, before Python's logging exists:
# absl's "All log messages before absl::InitializeLog() is called are written to STDERR", the
# oneDNN notice and the CPU-feature notice.  They land in the middle of `autograder check`'s live
# display and in every command's output.  Every entry point (the `autograder` command, the pytest
# plugin, `from autograder import ...`) imports this package first, and the fork server and the
# children inherit the environment, so setting these here, before anything imports TensorFlow,
# keeps them all quiet.  TF_CPP_MIN_LOG_LEVEL alone does not stop the oneDNN notice (it is
# printed whenever oneDNN's custom ops are on), hence TF_ENABLE_ONEDNN_OPTS=0, which also keeps
# float32 results independent of oneDNN's computation order.  setdefault: a value the user chose wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

__version__ = "0.1.0"
