"""The data loaders: shapes, dtypes, splits, standardisation, the shipped housing table, cached MNIST."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from autograder import data

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_digits(dtype):
    split = data.load_digits(dtype)
    assert split.x_train.shape == (1437, 64) and split.x_test.shape == (360, 64)
    assert split.y_train.shape == (1437,) and split.y_test.shape == (360,)
    assert split.x_train.dtype == dtype and np.issubdtype(split.y_train.dtype, np.integer)
    assert split.x_train.min() >= 0 and split.x_train.max() <= 1
    np.testing.assert_allclose(split.x_train.max(), 1.0, atol=0)
    assert set(np.unique(split.y_train)) == set(range(10))


def test_digits_split_matches_sklearn():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    _, x_test, _, y_test = train_test_split(bunch.data / 16.0, bunch.target,
                                            test_size=0.2, random_state=42)
    split = data.load_digits()
    np.testing.assert_allclose(split.x_test, x_test, atol=0)
    np.testing.assert_array_equal(split.y_test, y_test)


def test_iris():
    split = data.load_iris()
    assert split.x_train.shape == (120, 4) and split.x_test.shape == (30, 4)
    assert split.y_train.shape == (120,) and split.y_test.shape == (30,)
    np.testing.assert_allclose(split.x_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(split.x_train.std(axis=0), 1.0, atol=1e-12)
    assert np.abs(split.x_test.mean(axis=0)).max() > 1e-6   # scaled with train statistics only
    assert data.load_iris("float32").x_train.dtype == np.float32


def test_housing():
    split = data.load_housing()
    columns, table = data.read_housing()
    assert "price" in columns and 300 <= len(table) <= 500
    n_train = len(split.x_train)
    assert n_train + len(split.x_test) == len(table)
    assert split.x_train.shape[1] == len(columns) - 1
    assert split.y_train.shape == (n_train, 1) and split.y_test.shape == (len(table) - n_train, 1)
    for train in (split.x_train, split.y_train):
        np.testing.assert_allclose(train.mean(axis=0), 0.0, atol=1e-12)
        np.testing.assert_allclose(train.std(axis=0), 1.0, atol=1e-12)
    single = data.load_housing("float32")
    assert single.x_train.dtype == np.float32 and single.y_train.dtype == np.float32


def test_housing_csv_is_reproducible(tmp_path):
    spec = importlib.util.spec_from_file_location("make_housing", ROOT / "datasets" / "make_housing.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write(tmp_path / "housing.csv")
    assert (tmp_path / "housing.csv").read_bytes() == (ROOT / "datasets" / "housing.csv").read_bytes()
    assert (ROOT / "datasets" / "README.md").is_file()


def test_loads_return_fresh_arrays():
    first = data.load_digits()
    first.x_train[:] = -1.0
    np.testing.assert_allclose(data.load_digits().x_train.min(), 0.0, atol=0)


def test_one_hot():
    encoded = data.one_hot(np.array([2, 0, 1]), 4)
    np.testing.assert_allclose(encoded, [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0]], atol=0)
    assert encoded.dtype == np.float64 and data.one_hot([1], 3, "float32").dtype == np.float32
    with pytest.raises(ValueError):
        data.one_hot([3], 3)


def test_mnist_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="never downloads"):
        data.load_mnist()


def test_mnist_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    cache = tmp_path / ".keras" / "datasets"
    cache.mkdir(parents=True)
    rng = np.random.default_rng(0)
    np.savez(cache / "mnist.npz",
             x_train=rng.integers(0, 256, (5, 28, 28), dtype=np.uint8), y_train=np.arange(5),
             x_test=rng.integers(0, 256, (3, 28, 28), dtype=np.uint8), y_test=np.arange(3))
    split = data.load_mnist("float32")
    assert split.x_train.shape == (5, 784) and split.x_test.shape == (3, 784)
    assert split.x_train.dtype == np.float32 and split.x_train.max() <= 1.0
    np.testing.assert_array_equal(split.y_test, [0, 1, 2])
