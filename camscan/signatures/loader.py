"""Load signature and policy files, reporting every problem with its file and line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from camscan.signatures.schema import Family, Policy

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a signature or policy file."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class SignatureError(Exception):
    """Signature or policy files failed validation."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def default_dir() -> Path:
    """The shipped signature directory: inside the wheel, else the source checkout's."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_signatures", here.parent / "signatures"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("camscan's signature directory is missing from this installation")


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader that refuses duplicate mapping keys (YAML silently keeps the last)."""


def _no_duplicates(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _no_duplicates,
)


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a 1-based line."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                key = next((k for k, _ in node.value if k.value == part), None)
                return key.start_mark.line + 1 if key is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
        else:
            return line
        line = node.start_mark.line + 1
    return line


def _parse(path: Path, model: type[M]) -> tuple[M | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:  # ValueError: undecodable, or a NUL in the path
        return None, [Problem(path, None, f"cannot read: {exc}")]
    return parse_text(text, path, model)


def parse_text(text: str, path: Path, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate one signature or policy file's text; every fault is a :class:`Problem`.

    Beyond YAML syntax errors, PyYAML's constructors raise ValueError (an integer past
    Python's digit limit, a timestamp like 2001-13-45), TypeError (a list or mapping used as
    a key) and RecursionError (deep nesting); all of them are the file's problem.
    """
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(path, line, f"bad YAML: {problem}")]
    except (ValueError, TypeError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        return None, [Problem(path, None, f"bad YAML: {reason}")]
    if not isinstance(data, dict):
        return None, [Problem(path, 1, "expected a mapping at the top level")]
    try:
        return model.model_validate(data), []
    except RecursionError:
        return None, [Problem(path, None, "nested too deeply")]
    except ValidationError as exc:
        # The node tree (for line numbers) is built only when there is something to locate.
        node = yaml.compose(text, Loader=_UniqueKeyLoader)
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            field = ".".join(str(p) for p in loc) or "(file)"
            message = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(path, _line_of(node, loc), f"{field}: {message}"))
        return None, problems


def _yaml_files(directory: Path) -> Iterator[Path]:
    yield from sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))


def family_files(dirs: Iterable[Path]) -> list[Path]:
    """Every file :func:`load_families` reads from ``dirs``, meta.yaml included, in order."""
    return [p for directory in dirs for p in _yaml_files(directory)]


def load_families(dirs: Iterable[Path]) -> tuple[list[tuple[Path, Family]], list[Problem]]:
    """Parse every family file in ``dirs``; later directories may override a family."""
    loaded: dict[str, tuple[Path, Family]] = {}
    problems: list[Problem] = []
    for directory in dirs:
        for path in _yaml_files(directory):
            if path.name == "meta.yaml":
                continue
            family, errs = _parse(path, Family)
            problems += errs
            if family is None:
                continue
            if family.family != path.stem:
                problems.append(Problem(path, 1, f"family {family.family!r} must match file name"))
            loaded[family.family] = (path, family)
    problems += _duplicate_rule_ids(list(loaded.values()))
    problems += _contested_patterns(list(loaded.values()))
    return list(loaded.values()), problems


def _rule_line(path: Path, index: int) -> int | None:
    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    return _line_of(node, ("rules", index, "id"))


def _duplicate_rule_ids(families: list[tuple[Path, Family]]) -> list[Problem]:
    seen: dict[str, Path] = {}
    problems = []
    for path, family in families:
        for index, rule in enumerate(family.rules):
            if rule.id in seen:
                problems.append(
                    Problem(
                        path,
                        _rule_line(path, index),
                        f"duplicate rule id {rule.id!r} (also in {seen[rule.id].name})",
                    )
                )
            seen[rule.id] = path
    return problems


def _contested_patterns(families: list[tuple[Path, Family]]) -> list[Problem]:
    """The same signal, match and pattern claimed by two makers' families: one fact must
    have one owner (a label of another maker is a ``brand`` rule in that maker's family).
    Vendorless (generic) rules may repeat a maker's pattern to name software or a class."""
    seen: dict[tuple[str, str, str], tuple[str, str]] = {}
    problems = []
    for path, family in families:
        if family.vendor is None:
            continue
        for index, rule in enumerate(family.rules):
            key = (rule.signal, str(rule.match), rule.pattern)
            other = seen.setdefault(key, (family.vendor, rule.id))
            if other[0] != family.vendor:
                problems.append(
                    Problem(
                        path,
                        _rule_line(path, index),
                        f"rule {rule.id!r} claims the {rule.signal} pattern {rule.pattern!r} "
                        f"that rule {other[1]!r} gives to {other[0]}",
                    )
                )
    return problems


def load_policies(paths: Iterable[Path]) -> tuple[list[Policy], list[Problem]]:
    """Parse policy files; ids must be unique."""
    policies: dict[str, Policy] = {}
    problems: list[Problem] = []
    for path in paths:
        policy, errs = _parse(path, Policy)
        problems += errs
        if policy is None:
            continue
        if policy.id in policies:
            problems.append(Problem(path, 1, f"duplicate policy id {policy.id!r}"))
        policies[policy.id] = policy
    return list(policies.values()), problems


def policy_files(directory: Path) -> list[Path]:
    """The policy files shipped in ``directory/policies``."""
    return list(_yaml_files(directory / "policies"))


def load_meta(directory: Path) -> dict[str, str]:
    """Signature-set version and date from ``meta.yaml``."""
    path = directory / "meta.yaml"
    if not path.is_file():
        return {"version": "unknown", "date": ""}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"version": str(data.get("version", "unknown")), "date": str(data.get("date", ""))}
