"""Signature files: loading, validation, matching and the example self-test."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from camscan.signatures.cache import cached
from camscan.signatures.loader import (
    Problem,
    SignatureError,
    default_dir,
    family_files,
    load_families,
    load_meta,
)
from camscan.signatures.matcher import CompiledRule, Hit, SignatureSet
from camscan.signatures.schema import Family, Policy, Rule

__all__ = [
    "CompiledRule",
    "Family",
    "Hit",
    "Policy",
    "Problem",
    "Rule",
    "SignatureError",
    "SignatureSet",
    "default_dir",
    "load_signatures",
    "validate",
]


def validate(extra_dirs: Sequence[Path] = ()) -> tuple[SignatureSet | None, list[Problem]]:
    """Load and validate the shipped signatures plus ``extra_dirs``; never raises on bad files."""
    base = default_dir()
    loaded, problems = load_families([base, *extra_dirs])
    meta = load_meta(base)
    sigset = SignatureSet.build(base, meta["version"], meta["date"], (f for _, f in loaded))
    return sigset, problems


@lru_cache(maxsize=8)
def _cached(extra_dirs: tuple[Path, ...]) -> SignatureSet:
    base = default_dir()
    dirs = [base, *extra_dirs]

    def build() -> tuple[list[Family], dict[str, str]]:
        loaded, problems = load_families(dirs)
        if problems:
            raise SignatureError(problems)
        return [f for _, f in loaded], load_meta(base)

    # The validated families come from the per-user cache when no file changed (cache.py).
    families, meta = cached("families", family_files(dirs), build)
    return SignatureSet.build(base, meta["version"], meta["date"], families)


def load_signatures(extra_dirs: Sequence[Path] = ()) -> SignatureSet:
    """The signature set, validated; raises :class:`SignatureError` listing every problem."""
    return _cached(tuple(Path(d).resolve() for d in extra_dirs))
