"""Configuration: TOML files, then ``CAMSCAN_*`` environment variables, then the command line.

Files read (later wins, key by key): ``/etc/camscan/config.toml``, the user config file
(platformdirs), or only the file given by ``--config`` / ``CAMSCAN_CONFIG``. Every option is
also ``CAMSCAN_<SECTION>_<KEY>`` (lists comma-separated), see :func:`env_table`. Passwords are
never in the file or on the command line: only ``password_env`` or ``password_file``.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from camscan.credentials import CredentialsConfig
from camscan.files import InputFileError, read_capped
from camscan.infra.config import INLINE_SECRETS, InfraConfig
from camscan.secrets import SecretError, read_secret

SYSTEM_CONFIG = Path("/etc/camscan/config.toml")
MAX_CONFIG_BYTES = 1024 * 1024


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file or variable."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class EmailConfig(_Section):
    """Where and how the report is mailed (``[email]``)."""

    to: list[str] = Field(default_factory=list)
    sender: str = Field(default="", alias="from")
    smtp_host: str = ""
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    tls: Literal["starttls", "ssl", "none"] = "starttls"
    ca_file: Path | None = None
    username: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    on: Literal["findings", "changes", "always"] = "findings"
    timeout: float = Field(default=30.0, gt=0)
    subject_prefix: str = "[camscan]"

    def port(self) -> int:
        """The SMTP port: configured, else 465 for implicit TLS, 587 for STARTTLS, 25 plain."""
        if self.smtp_port:
            return self.smtp_port
        return {"ssl": 465, "starttls": 587, "none": 25}[self.tls]

    def password(self, env: Mapping[str, str] | None = None) -> str | None:
        """Read the SMTP password from its variable or file; None when no login is configured."""
        if not (self.password_env or self.password_file):
            return None
        try:
            return read_secret(
                "email.password",
                self.password_env,
                self.password_file,
                os.environ if env is None else env,
            )
        except SecretError as exc:
            raise ConfigError(str(exc)) from None


class ScanConfig(_Section):
    """Defaults for ``camscan scan`` (``[scan]``)."""

    targets: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    iface: str | None = None
    methods: list[str] = Field(default_factory=list)
    rate: float | None = Field(default=None, gt=0)
    timeout: float | None = Field(default=None, gt=0)
    policies: list[str] = Field(default_factory=list)


class OutputConfig(_Section):
    """Defaults for the report (``[output]``)."""

    format: Literal["table", "text", "json", "jsonl", "csv", "html", "markdown"] | None = None
    file: Path | None = None
    fail_on: Literal[
        "restricted", "suspected", "unidentified", "new", "changed", "any", "never"
    ] = "restricted"
    quiet: bool = False
    color: bool | None = None


class HistoryConfig(_Section):
    """Where scan history lives (``[history]``): a SQLite path or a postgresql:// URL."""

    db: str | None = Field(default=None, description="SQLite path or postgresql:// URL.")
    site: str | None = Field(default=None, description="Site of this scanner [host name].")
    password_env: str | None = None
    password_file: Path | None = None
    enabled: bool = True


class Config(_Section):
    """The effective configuration."""

    email: EmailConfig = Field(default_factory=EmailConfig)
    scan: ScanConfig = Field(default_factory=ScanConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    history: HistoryConfig = Field(default_factory=HistoryConfig)
    infra: list[InfraConfig] = Field(default_factory=list, description="[[infra]] tables.")
    credentials: list[CredentialsConfig] = Field(
        default_factory=list, description="[[credentials]] tables: device logins per host."
    )
    files: list[Path] = Field(default_factory=list, description="Files that were read.")


_SECTIONS: dict[str, type[_Section]] = {
    "email": EmailConfig,
    "scan": ScanConfig,
    "output": OutputConfig,
    "history": HistoryConfig,
}


#: Arrays of tables (``[[infra]]``): a later file replaces the whole list, not key by key.
_TABLE_ARRAYS = ("infra", "credentials")


def user_config_path() -> Path:
    """The per-user config file (e.g. ~/.config/camscan/config.toml)."""
    return Path(platformdirs.user_config_dir("camscan")) / "config.toml"


def default_paths() -> list[Path]:
    """Config files read when no --config is given, in the order they are applied."""
    return [SYSTEM_CONFIG, user_config_path()]


def _key_name(model: type[_Section], field: str) -> str:
    alias = model.model_fields[field].alias
    return alias or field


def env_table() -> list[tuple[str, str, str]]:
    """(variable, config key, type) for every option, for `config show --env` and the docs."""
    rows = [("CAMSCAN_CONFIG", "(--config)", "path")]
    for section, model in _SECTIONS.items():
        for field, info in model.model_fields.items():
            key = _key_name(model, field)
            ann = info.annotation
            kind = ann.__name__ if isinstance(ann, type) else str(ann)
            kind = kind.replace("typing.", "").replace("pathlib.", "").replace("Path", "path")
            rows.append((f"CAMSCAN_{section.upper()}_{key.upper()}", f"{section}.{key}", kind))
    return rows


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = read_capped(path, MAX_CONFIG_BYTES)
    except InputFileError as exc:
        raise ConfigError(str(exc)) from exc
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except RecursionError as exc:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply") from exc
    except ValueError as exc:  # TOMLDecodeError, undecodable bytes, integers past the limit
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    for name, value in parsed.items():
        if name in _TABLE_ARRAYS:
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                raise ConfigError(f"{path}: {name} must be [[{name}]] tables")
            for table in value:
                if inline := [k for k in INLINE_SECRETS if k in table]:
                    raise ConfigError(
                        f"{path}: [[{name}]] {inline[0]} must not be stored in the config; "
                        f"use {inline[0]}_env or {inline[0]}_file"
                    )
            continue
        if name not in _SECTIONS or not isinstance(value, dict):
            known = [f"[{n}]" for n in _SECTIONS] + [f"[[{n}]]" for n in _TABLE_ARRAYS]
            raise ConfigError(f"{path}: unknown section [{name}] (known: {', '.join(known)})")
        if "password" in value:
            raise ConfigError(
                f"{path}: [{name}] password must not be stored in the config; "
                "use password_env or password_file"
            )
    return parsed


def _env_values(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for section, model in _SECTIONS.items():
        for field, info in model.model_fields.items():
            key = _key_name(model, field)
            raw = env.get(f"CAMSCAN_{section.upper()}_{key.upper()}")
            if raw is None:
                continue
            value: Any = raw
            if "list" in str(info.annotation):
                value = [item.strip() for item in raw.split(",") if item.strip()]
            out.setdefault(section, {})[key] = value
    return out


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Merge the config files and the environment into one validated :class:`Config`."""
    env = os.environ if env is None else env
    if path is None and env.get("CAMSCAN_CONFIG"):
        path = Path(env["CAMSCAN_CONFIG"])
    files = [path] if path is not None else [p for p in default_paths() if p.is_file()]
    merged: dict[str, Any] = {}
    for file in files:
        for section, values in _read_file(file).items():
            if section in _TABLE_ARRAYS:
                merged[section] = values
            else:
                merged.setdefault(section, {}).update(values)
    for section, values in _env_values(env).items():
        merged.setdefault(section, {}).update(values)
    try:
        return Config.model_validate({**merged, "files": files})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        origin = ", ".join(str(f) for f in files) or "environment"
        raise ConfigError(f"{origin}: {where}: {first['msg']}") from exc


def _loose(path: Path) -> bool:
    try:
        return bool(path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO))
    except OSError:
        return False


def secret_warnings(config: Config) -> list[str]:
    """Warnings for secrets that group or others can read (the password file, its config)."""
    warnings = [
        f"{table.password_file} holds a device password and is readable by group/others; "
        f"run: chmod 600 {table.password_file}"
        for table in config.credentials
        if table.password_file is not None and _loose(table.password_file)
    ]
    if config.email.password_file is not None:
        if _loose(config.email.password_file):
            warnings.append(
                f"{config.email.password_file} holds the SMTP password and is readable by "
                f"group/others; run: chmod 600 {config.email.password_file}"
            )
        warnings.extend(
            f"{file} names the SMTP password file and is readable by group/others; "
            f"consider: chmod 600 {file}"
            for file in config.files
            if _loose(file)
        )
    return warnings


def shown(config: Config, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The effective configuration as plain data with secrets masked, for `config show`."""
    env = os.environ if env is None else env
    data = config.model_dump(mode="json", by_alias=True, exclude={"files"})
    email = config.email
    if email.password_env:
        state = "set" if env.get(email.password_env) is not None else "NOT SET"
        data["email"]["password"] = f"******** (from ${email.password_env}, {state})"
    elif email.password_file:
        state = "readable" if os.access(email.password_file, os.R_OK) else "NOT READABLE"
        data["email"]["password"] = f"******** (from file {email.password_file}, {state})"
    return data
