"""The one "finite, non-negative number" rule for input columns; each reader words its own message."""

from __future__ import annotations

import numpy as np
import pandas as pd


def invalid_numbers(values: pd.Series | np.ndarray, minimum: float | None = 0.0, whole: bool = False,
                    maximum: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Values read as numbers, and which of them break the rule.

    Parameters
    ----------
    values : pandas.Series or numpy.ndarray
        Cells as read (numbers or text; empty cells and text that is not a number are bad).
    minimum : float or None
        Smallest allowed value (0 = non-negative); None allows any finite number.
    whole : bool
        Also require whole numbers.
    maximum : float or None
        Largest allowed value; None for no upper bound.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The values as floats (NaN where not a number) and a boolean mask of the bad ones.

    Examples
    --------
    >>> numbers, bad = invalid_numbers(pd.Series(["1", "-2", "x", "2.5"]), whole=True)
    >>> bad.tolist()
    [False, True, True, True]
    """
    numbers = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce")
    numbers = numbers.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(numbers)
    with np.errstate(invalid="ignore"):
        if minimum is not None:
            bad |= numbers < minimum
        if whole:
            bad |= numbers != np.round(numbers)
        if maximum is not None:
            bad |= numbers > maximum
    return numbers, bad
