"""Generates housing.csv, a small synthetic housing table (seeded; rerunning it reproduces the file).

Usage: python datasets/make_housing.py [output.csv]   (default: housing.csv beside this script)
"""

import sys
from pathlib import Path

import numpy as np

SEED = 20240611
ROWS = 400
COLUMNS = ("median_income", "house_age", "rooms", "bedrooms", "population",
           "distance_to_city", "price")
# Decimals written per column: fixed formatting keeps the file byte-for-byte reproducible.
DECIMALS = (3, 0, 2, 2, 0, 2, 3)


def make_table(seed=SEED, rows=ROWS):
    """Return the table as a (rows, 7) float array, columns in COLUMNS order."""
    rng = np.random.default_rng(seed)
    median_income = np.clip(rng.lognormal(np.log(3.5), 0.45, rows), 0.5, 15.0)   # 10k USD / year
    house_age = rng.integers(1, 53, rows).astype(float)                          # years
    rooms = np.clip(rng.normal(4.5 + 0.25 * median_income, 0.8), 2.0, 10.0)       # per dwelling
    bedrooms = np.clip(rooms * rng.normal(0.22, 0.03, rows), 0.8, 4.0)            # per dwelling
    population = np.round(rng.lognormal(np.log(1200.0), 0.5, rows))              # people in block
    distance_to_city = rng.gamma(2.0, 9.0, rows)                                 # km to the centre

    price = (0.45                                        # 100k USD
             + 0.38 * median_income
             + 1.6 * np.exp(-distance_to_city / 12.0)
             + 0.10 * (rooms - bedrooms)
             - 0.12 * bedrooms
             + 0.004 * house_age
             - 0.00008 * population
             + rng.normal(0.0, 0.25, rows))
    price = np.clip(price, 0.15, None)

    table = np.column_stack([median_income, house_age, rooms, bedrooms, population,
                             distance_to_city, price])
    return np.column_stack([np.round(table[:, j], d) for j, d in enumerate(DECIMALS)])


def to_csv(table):
    """The CSV text of the table: a header line, then one line per row, LF line ends."""
    lines = [",".join(COLUMNS)]
    for row in table:
        lines.append(",".join(f"{value:.{d}f}" for value, d in zip(row, DECIMALS)))
    return "\n".join(lines) + "\n"


def write(path):
    """Write the table to path (bytes, so the line ends do not depend on the platform)."""
    Path(path).write_bytes(to_csv(make_table()).encode("ascii"))


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("housing.csv"))
