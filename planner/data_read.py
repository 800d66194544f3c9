"""Reading the import's tables: files checked, column aliases, numbers and Kemendagri codes (one sentence per
problem, ``InputError``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from planner.checks import invalid_numbers
from planner.errors import InputError


def check_file(path: Path, what: str) -> None:
    """Fail with one sentence when ``path`` is missing or a folder; ``what`` names the file for the user."""
    if not path.exists():
        raise InputError(f"{path}: file not found; give the path of the {what}.")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the path of the {what} file.")


def pick_columns(frame: pd.DataFrame, wanted: dict[str, tuple[str, ...]], path: Path) -> pd.DataFrame:
    """Rename the first present alias of each wanted column (case-insensitive) to its canonical name."""
    by_lower = {str(column).strip().lower(): column for column in frame.columns}
    chosen = {}
    for canonical, aliases in wanted.items():
        found = next((by_lower[a.lower()] for a in aliases if a.lower() in by_lower), None)
        if found is None:
            others = ", ".join(aliases[1:])
            raise InputError(f"{path}: missing column '{aliases[0]}' (also accepted: {others}; columns "
                             f"present: {', '.join(map(str, frame.columns))}); add or rename it.")
        chosen[found] = canonical
    return frame[list(chosen)].rename(columns=chosen)


def read_csv(path: Path, what: str, wanted: dict[str, tuple[str, ...]],
             optional: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """Read a CSV as text, keep the wanted columns (renamed to canonical names) and any optional ones."""
    check_file(path, what)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as error:
        raise InputError(f"{path}: cannot be read as a CSV table ({type(error).__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else ''}); give the {what} as UTF-8 "
                         "CSV.") from None
    present = {name: aliases for name, aliases in (optional or {}).items()
               if any(alias.lower() in {str(c).strip().lower() for c in frame.columns} for alias in aliases)}
    frame = pick_columns(frame, {**wanted, **present}, path)
    for column in frame.columns:
        frame[column] = frame[column].str.strip()
    return frame


def numbers(frame: pd.DataFrame, column: str, path: Path, key: str,
            minimum: float | None = 0.0) -> pd.Series:
    """``frame[column]`` as finite numbers (>= ``minimum`` unless None); the first bad row is named by ``key``."""
    numbers, bad = invalid_numbers(frame[column], minimum)
    if bad.any():
        row = frame.loc[bad].iloc[0]
        raise InputError(f"{path}: field '{column}' of {key} {row[key]!r} is {row[column]!r}; give a finite "
                         f"number{'' if minimum is None else ' >= 0'}.")
    return pd.Series(numbers, index=frame.index, name=column)


def kemendagri_codes(codes: pd.Series, path: Path, field: str, parts: int) -> pd.Series:
    """Normalise Kemendagri codes to dotted form (``1671`` -> ``16.71``); fail on anything else."""
    digits = codes.str.replace(".", "", regex=False)
    ok = digits.str.fullmatch(rf"\d{{{2 * parts}}}")
    if not ok.all():
        bad = codes[~ok].iloc[0]
        example = "16.71.01" if parts == 3 else "16.71"
        raise InputError(f"{path}: field '{field}' has {bad!r}; Kemendagri codes look like '{example}'.")
    pieces = [digits.str[2 * i:2 * i + 2] for i in range(parts)]
    return pieces[0].str.cat(pieces[1:], sep=".")
