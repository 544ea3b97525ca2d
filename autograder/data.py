"""The data sets the checks and the examples use: digits, iris, the shipped housing table, cached MNIST."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TEST_SIZE = 0.2
RANDOM_STATE = 42
HOUSING_FILE = "housing.csv"
MNIST_CACHE = Path(".keras") / "datasets" / "mnist.npz"   # under the home directory
MNIST_MISSING = ("MNIST is not cached at {path}; this kit never downloads it. "
                 "Load it once elsewhere (tf.keras.datasets.mnist.load_data()) and copy "
                 "mnist.npz there, or use load_digits() instead.")


@dataclass(frozen=True)
class Split:
    """A train/test split; x_* are (n, features), y_* labels (n,) or targets (n, 1)."""

    x_train: np.ndarray
    x_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray


def _frozen(*arrays):
    """The arrays, made read-only so a cached copy cannot be changed through them."""
    for array in arrays:
        array.setflags(write=False)
    return Split(*arrays)


def _fresh(split: Split, dtype, target_dtype=None) -> Split:
    """Writable copies of a cached split, features (and float targets) in the requested dtype."""
    y_dtype = split.y_train.dtype if target_dtype is None else target_dtype
    return Split(split.x_train.astype(dtype, copy=True), split.x_test.astype(dtype, copy=True),
                 split.y_train.astype(y_dtype, copy=True), split.y_test.astype(y_dtype, copy=True))


def _split(x, y):
    from sklearn.model_selection import train_test_split

    return train_test_split(x, y, test_size=TEST_SIZE, random_state=RANDOM_STATE)


def _standardise(train, test):
    """Scale both with the train set's mean and standard deviation (no peeking at the test set)."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (test - mean) / std


@functools.lru_cache(maxsize=None)
def _digits() -> Split:
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    x_train, x_test, y_train, y_test = _split(bunch.data / 16.0, bunch.target.astype(np.int64))
    return _frozen(x_train, x_test, y_train, y_test)


@functools.lru_cache(maxsize=None)
def _iris() -> Split:
    from sklearn.datasets import load_iris as sklearn_iris

    bunch = sklearn_iris()
    x_train, x_test, y_train, y_test = _split(bunch.data.astype(np.float64),
                                              bunch.target.astype(np.int64))
    x_train, x_test = _standardise(x_train, x_test)
    return _frozen(x_train, x_test, y_train, y_test)


def housing_path():
    """Where the housing table is: inside the installed package, else the source tree's datasets/."""
    try:
        from importlib.resources import files

        resource = files("autograder.datasets_files") / HOUSING_FILE
        if resource.is_file():
            return resource
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "datasets" / HOUSING_FILE


def read_housing():
    """The raw housing table: (column names, float64 array with one row per house)."""
    text = housing_path().read_text(encoding="ascii")
    header, _, body = text.partition("\n")
    rows = [line.split(",") for line in body.splitlines() if line.strip()]
    return header.strip().split(","), np.array(rows, dtype=np.float64)


@functools.lru_cache(maxsize=None)
def _housing() -> Split:
    columns, table = read_housing()
    target = columns.index("price")
    x = np.delete(table, target, axis=1)
    y = table[:, [target]]
    x_train, x_test, y_train, y_test = _split(x, y)
    x_train, x_test = _standardise(x_train, x_test)
    y_train, y_test = _standardise(y_train, y_test)
    return _frozen(x_train, x_test, y_train, y_test)


def load_digits(dtype="float64") -> Split:
    """scikit-learn's 8x8 digits, pixels in [0, 1]: 1437 train / 360 test rows of 64; integer labels."""
    return _fresh(_digits(), dtype)


def load_iris(dtype="float64") -> Split:
    """Iris, standardised with the train statistics: 120 train / 30 test rows of 4; integer labels."""
    return _fresh(_iris(), dtype)


def load_housing(dtype="float64") -> Split:
    """The shipped housing table, features and price standardised with train statistics; y (n, 1)."""
    return _fresh(_housing(), dtype, target_dtype=dtype)


def one_hot(labels, classes, dtype="float64") -> np.ndarray:
    """Integer labels (n,) -> one-hot rows (n, classes)."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"labels must lie in [0, {classes}), got {labels.min()}..{labels.max()}")
    return np.eye(classes, dtype=dtype)[labels.astype(np.int64)]


@functools.lru_cache(maxsize=2)
def _mnist(path: str) -> Split:
    with np.load(path) as archive:
        x_train, y_train = archive["x_train"], archive["y_train"]
        x_test, y_test = archive["x_test"], archive["y_test"]
    x_train = x_train.reshape(len(x_train), -1) / 255.0
    x_test = x_test.reshape(len(x_test), -1) / 255.0
    return _frozen(x_train, x_test, y_train.astype(np.int64), y_test.astype(np.int64))


def load_mnist(dtype="float64") -> Split:
    """MNIST from the local Keras cache only (never downloads): rows of 784 pixels in [0, 1]."""
    path = Path.home() / MNIST_CACHE
    if not path.is_file():
        raise FileNotFoundError(MNIST_MISSING.format(path=path))
    return _fresh(_mnist(str(path.resolve())), dtype)
