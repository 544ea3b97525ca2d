"""backprop-kit's grader: load a submission, run it in isolation, compare with the oracle, score, report."""

__version__ = "0.1.0"
