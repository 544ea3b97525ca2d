"""What multiprocessing's fork server imports once for every local batch worker it forks.

TensorFlow (the oracle's half of the grader; importing it costs seconds) and the grading pipeline.
No TensorFlow op runs here: a process forked after one can deadlock.  Learner code never runs in
this process or its workers; it runs in the sandbox's own fork server and its children.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow  # noqa: E402,F401

from autograder import batch  # noqa: E402,F401
