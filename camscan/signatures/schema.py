"""The schema of signature and policy files (see docs/signature-format.md).

Pydantic models with ``extra="forbid"`` so that a misspelt key is an error, and validators
that compile every regex once and refuse patterns prone to catastrophic backtracking.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from re import _parser as re_parser  # type: ignore[attr-defined]
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from camscan.signals import is_known
from camscan.signatures.payloads import MAX_PAYLOAD, PayloadFormat

EXTRACT_GROUPS = ("model", "firmware", "serial")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Relation(StrEnum):
    """How a label brand relates to the family that makes its hardware."""

    OWN_BRAND = "own-brand"
    SUBSIDIARY = "subsidiary"
    FORMER_SUBSIDIARY = "former-subsidiary"
    OEM = "oem"


class Strength(StrEnum):
    """How well the public record supports a relation."""

    STRONG = "strong"
    MODERATE = "moderate"
    WEAK = "weak"


class RuleKind(StrEnum):
    """What a rule's match says: see docs/signature-format.md."""

    FIRMWARE = "firmware"
    LABEL = "label"
    GENERIC = "generic"


class MatchType(StrEnum):
    """How a rule's pattern is compared with an observation value."""

    EXACT = "exact"
    WORD = "word"
    REGEX = "regex"


References = Annotated[list[str], Field(default_factory=list)]


class Entity(_Strict):
    """A legal entity of a family."""

    name: str
    role: Literal["parent", "subsidiary", "affiliate"] = "parent"
    note: str = ""
    references: References


class OuiEntry(_Strict):
    """A MAC prefix the bundled IEEE registry lacks, or one that needs a note."""

    prefix: str
    note: str = ""
    references: References

    @field_validator("prefix")
    @classmethod
    def _normalise(cls, value: str) -> str:
        hexdigits = re.sub(r"[^0-9A-Fa-f]", "", value)
        if len(hexdigits) not in (6, 7, 9):
            raise ValueError("an OUI prefix has 24, 28 or 36 bits (e.g. 44:19:B6)")
        return hexdigits.upper()


class Brand(_Strict):
    """A label under which the family's hardware is sold."""

    name: str
    relation: Relation
    evidence: Strength
    registrants: list[str] = Field(default_factory=list)
    ouis: list[OuiEntry] = Field(default_factory=list)
    note: str = ""
    references: References


class Payload(_Strict):
    """A whole protocol message, run through camscan's parser before the rule sees it."""

    format: PayloadFormat
    data: Annotated[str, Field(min_length=1, max_length=MAX_PAYLOAD)]
    port: int | None = None


class Example(_Strict):
    """A positive example: the value (as sent on the wire) or the payload must match and yield
    the stated fields."""

    value: str | None = None
    payload: Payload | None = None
    model: str | None = None
    firmware: str | None = None
    serial: str | None = None
    device_type: str | None = None
    brand: str | None = None

    @model_validator(mode="after")
    def _one_input(self) -> Example:
        if (self.value is None) == (self.payload is None):
            raise ValueError("an example has exactly one of `value` and `payload`")
        return self


def _nested_quantifier(parsed: Any, inside_repeat: bool = False) -> bool:
    """True when a repeated group contains another unbounded repeat, like ``(a+)+``."""
    repeats = {re_parser.MAX_REPEAT, re_parser.MIN_REPEAT, re_parser.POSSESSIVE_REPEAT}
    for op, arg in parsed:
        if op in repeats:
            _low, high, sub = arg
            unbounded = high == re_parser.MAXREPEAT or high > 64
            if unbounded and inside_repeat:
                return True
            if _nested_quantifier(sub, inside_repeat or unbounded):
                return True
        elif op == re_parser.SUBPATTERN:
            if _nested_quantifier(arg[-1], inside_repeat):
                return True
        elif op == re_parser.BRANCH:
            if any(_nested_quantifier(branch, inside_repeat) for branch in arg[1]):
                return True
        elif op in (re_parser.ASSERT, re_parser.ASSERT_NOT) and _nested_quantifier(
            arg[1], inside_repeat
        ):
            return True
    return False


def check_pattern(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """Compile ``pattern`` or raise ValueError (syntax error or catastrophic backtracking)."""
    try:
        compiled = re.compile(pattern, flags)
    except re.error as exc:
        raise ValueError(f"invalid regex: {exc}") from exc
    if _nested_quantifier(re_parser.parse(pattern, flags)):
        raise ValueError(
            "regex has a repeat inside a repeat (catastrophic backtracking risk); rewrite it"
        )
    unknown = set(compiled.groupindex) - set(EXTRACT_GROUPS)
    if unknown:
        raise ValueError(f"unknown named group(s) {sorted(unknown)}; allowed: {EXTRACT_GROUPS}")
    return compiled


class Rule(_Strict):
    """One matcher on one signal, with its weight, references and examples."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")]
    signal: str
    kind: RuleKind
    match: MatchType
    pattern: str
    case_sensitive: bool = False
    weight: Annotated[float, Field(ge=0.05, le=0.99)]
    device_type: str | None = None
    software: str | None = None
    brand: str | None = None
    corroborate: bool = False
    marker: bool = False
    description: str = ""
    references: Annotated[list[str], Field(min_length=1)]
    examples: Annotated[list[Example | str], Field(min_length=1)]
    negatives: list[str] = Field(default_factory=list)

    @field_validator("signal")
    @classmethod
    def _known_signal(cls, value: str) -> str:
        if not is_known(value):
            raise ValueError(f"unknown signal {value!r} (see camscan/signals.py)")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.match is MatchType.REGEX:
            check_pattern(self.pattern, 0 if self.case_sensitive else re.IGNORECASE)
        if not self.pattern.strip():
            raise ValueError("pattern is empty")
        if self.kind is RuleKind.LABEL and not self.brand:
            raise ValueError("a label rule needs `brand`")
        if self.kind is RuleKind.GENERIC and (self.brand or self.corroborate):
            raise ValueError("a generic rule names no brand and needs no corroboration")
        if self.marker and self.kind is not RuleKind.FIRMWARE:
            raise ValueError("`marker: true` is for firmware rules only")
        return self

    def example_list(self) -> list[Example]:
        """Examples with plain strings turned into :class:`Example`."""
        return [Example(value=e) if isinstance(e, str) else e for e in self.examples]


class Family(_Strict):
    """One signature file: a vendor family, its brands, OUIs and rules."""

    family: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    vendor: str | None
    description: str = ""
    country: str | None = None
    entities: list[Entity] = Field(default_factory=list)
    registrants: list[str] = Field(default_factory=list)
    ouis: list[OuiEntry] = Field(default_factory=list)
    brands: list[Brand] = Field(default_factory=list)
    http_paths: list[str] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("http_paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/") or any(c in path for c in " \r\n#"):
                raise ValueError(f"http path {path!r} must start with / and hold no spaces")
        return value

    @model_validator(mode="after")
    def _brands_known(self) -> Family:
        known = {b.name for b in self.brands} | ({self.vendor} if self.vendor else set())
        for rule in self.rules:
            if self.vendor is None and rule.kind is not RuleKind.GENERIC:
                raise ValueError(f"rule {rule.id}: a family without vendor holds generic rules")
            if rule.brand and rule.brand not in known:
                raise ValueError(f"rule {rule.id}: brand {rule.brand!r} is not declared in brands")
        return self


class PolicyEntity(_Strict):
    """One entity a restriction instrument names."""

    entity: str
    families: list[str] = Field(default_factory=list)
    affiliates: bool = True
    brands: list[str] = Field(default_factory=list)
    clause: str = ""
    scope: str = ""
    basis: str
    effective: date | None = None
    source: str
    note: str = ""


class Policy(_Strict):
    """A restriction policy: which entities an instrument covers, with its legal sources."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: str
    jurisdiction: str
    instrument: str
    default: bool = False
    effective: date | None = None
    updated: date
    source: str
    notes: str = ""
    entities: list[PolicyEntity] = Field(default_factory=list)
