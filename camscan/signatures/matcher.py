"""Compiled signature rules and the matching of observations against them."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from camscan.models import Observation
from camscan.signals import ALIASES
from camscan.signatures.schema import Brand, Family, MatchType, Rule

# Device values are hostile: never feed more than this many characters to a regex.
MAX_VALUE_CHARS = 4096


def normalise(value: str) -> str:
    """Trim and cap a device value before matching."""
    return value[:MAX_VALUE_CHARS].strip()


@dataclass(frozen=True)
class Hit:
    """A rule that matched a value, with what its named groups extracted."""

    rule: CompiledRule
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None


@dataclass(frozen=True)
class CompiledRule:
    """A rule whose pattern is compiled once, on its first use: a scan compiles only the
    rules of the signals it observed (compiling all ~2,000 took about 0.3 s of every start)."""

    rule: Rule
    family: Family
    exact: str | None

    @classmethod
    def compile(cls, rule: Rule, family: Family) -> CompiledRule:
        """Prepare ``rule`` (already validated by the schema)."""
        exact = None
        if rule.match is MatchType.EXACT:
            exact = rule.pattern.strip()
            exact = exact if rule.case_sensitive else exact.casefold()
        return cls(rule, family, exact)

    @cached_property
    def regex(self) -> re.Pattern[str] | None:
        """The compiled pattern (None for exact rules)."""
        rule = self.rule
        if rule.match is MatchType.EXACT:
            return None
        pattern = rule.pattern
        if rule.match is MatchType.WORD:
            pattern = rf"(?<!\w){re.escape(rule.pattern)}(?!\w)"
        return re.compile(pattern, 0 if rule.case_sensitive else re.IGNORECASE)

    def match(self, value: str) -> Hit | None:
        """Match a normalised value; return the hit with extracted fields, or None."""
        if self.exact is not None:
            candidate = value if self.rule.case_sensitive else value.casefold()
            return Hit(self) if candidate == self.exact else None
        assert self.regex is not None
        found = self.regex.search(value)
        if found is None:
            return None
        groups = {k: (v.strip() or None) if v else None for k, v in found.groupdict().items()}
        return Hit(self, groups.get("model"), groups.get("firmware"), groups.get("serial"))


@dataclass(frozen=True)
class SignatureSet:
    """All families and their rules, indexed by signal for fast matching."""

    directory: Path
    version: str
    date: str
    families: dict[str, Family]
    rules: tuple[CompiledRule, ...]
    _by_signal: dict[str, tuple[CompiledRule, ...]] = field(repr=False)
    _by_prefix: dict[str, tuple[CompiledRule, ...]] = field(repr=False)

    @classmethod
    def build(
        cls, directory: Path, version: str, date: str, families: Iterable[Family]
    ) -> SignatureSet:
        """Compile every rule of ``families`` and index them."""
        fams = {f.family: f for f in families}
        rules = tuple(CompiledRule.compile(r, f) for f in fams.values() for r in f.rules)
        by_signal: dict[str, list[CompiledRule]] = defaultdict(list)
        by_prefix: dict[str, list[CompiledRule]] = defaultdict(list)
        for compiled in rules:
            signal = compiled.rule.signal
            if signal.endswith(".*"):
                by_prefix[signal[:-1]].append(compiled)
            else:
                by_signal[signal].append(compiled)
        return cls(
            directory,
            version,
            date,
            fams,
            rules,
            {k: tuple(v) for k, v in by_signal.items()},
            {k: tuple(v) for k, v in by_prefix.items()},
        )

    def rules_for(self, signal: str) -> tuple[CompiledRule, ...]:
        """Rules that apply to observations of ``signal``."""
        direct = self._by_signal.get(signal, ())
        if signal in ALIASES:
            direct += self._by_signal.get(ALIASES[signal], ())
        family, dot, _ = signal.partition(".")
        return direct + self._by_prefix.get(family + dot, ()) if dot else direct

    def match(self, observation: Observation) -> list[Hit]:
        """Every rule that matches ``observation``."""
        value = normalise(observation.value)
        hits = []
        for compiled in self.rules_for(observation.signal):
            hit = compiled.match(value)
            if hit is not None:
                hits.append(hit)
        return hits

    @property
    def http_paths(self) -> tuple[str, ...]:
        """Vendor paths the HTTP probe should GET, in a stable order without repeats."""
        return tuple(dict.fromkeys(p for f in self.families.values() for p in f.http_paths))

    def brand(self, name: str) -> tuple[Family, Brand | None] | None:
        """The family that declares brand ``name`` (or whose vendor is ``name``)."""
        wanted = name.casefold()
        for family in self.families.values():
            for brand in family.brands:
                if brand.name.casefold() == wanted:
                    return family, brand
        for family in self.families.values():
            if family.vendor and family.vendor.casefold() == wanted:
                return family, None
        return None
