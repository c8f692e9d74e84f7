"""`camscan scan`: build the scope, run the engine, hand the document to the output layer."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import sys
from pathlib import Path

import click

from camscan.cli.common import (
    log_to_stderr,
    policy_option,
    seconds_option,
    signatures_option,
)
from camscan.cli.nmap_compat import NmapOptionError, translate
from camscan.cli.output import (
    CamscanUsageError,
    OutputOptions,
    finish,
    history_guard,
    output_options,
)
from camscan.cli.running import ProgressView, run_with_signals
from camscan.discover.registry import METHODS
from camscan.discover.tcp import parse_ports
from camscan.engine import DEFAULT_METHODS, ScanSettings, default_concurrency
from camscan.engine.settings import MAX_CONCURRENCY, raise_open_files_limit
from camscan.probe.base import Credentials
from camscan.scope import (
    DEFAULT_MAX_HOSTS,
    Scope,
    ScopeError,
    build_scope,
    interface_info,
    parse_target,
    public_intervals,
    read_target_file,
)
from camscan.snmp import SnmpTarget


def _split(values: tuple[str, ...] | list[str]) -> list[str]:
    """Repeatable options that also accept comma-separated lists."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@functools.cache
def _resolve_host(name: str) -> str:
    return socket.gethostbyname(name)


class _ScanCommand(click.Command):
    """`camscan scan` with nmap habits translated or refused before click parses (nmap_compat)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {
            name
            for param in self.params
            if isinstance(param, click.Option) and not param.is_flag and not param.count
            for name in param.opts
        }
        try:
            args = translate(args, takes_value)
        except NmapOptionError as exc:
            raise click.UsageError(str(exc), ctx) from None
        return super().parse_args(ctx, args)


def _interface_scope(iface: str | None, assume_yes: bool) -> list[str]:
    """The attached subnets of ``--iface``, confirmed by a person at a terminal."""
    if not iface:
        raise CamscanUsageError(
            "no targets: give TARGETS, -iL FILE, or --iface to scan its subnets"
        )
    info = interface_info(iface)
    if info is None or not info.networks:
        raise CamscanUsageError(f"interface {iface} has no IPv4 address")
    nets = [str(n) for n in info.networks if n.prefixlen < 32]
    if not nets:
        raise CamscanUsageError(f"interface {iface} has no attached subnet")
    if assume_yes:
        return nets
    if not sys.stdin.isatty():
        raise CamscanUsageError(
            f"no targets given; scanning {iface}'s subnets ({', '.join(nets)}) needs confirmation "
            "at a terminal, or --yes, or explicit TARGETS"
        )
    if not click.confirm(f"Scan the subnets attached to {iface}: {', '.join(nets)}?", err=True):
        raise click.Abort()
    return nets


def _community(given: str | None, env_name: str | None, file: Path | None) -> str | None:
    """The SNMP probe's community: from the flag, the variable or the file (exit 2 if unset)."""
    from camscan.secrets import SecretError, read_secret

    if given or not (env_name or file):
        return given
    try:
        return read_secret("--snmp-community", env_name, file, os.environ)
    except SecretError as exc:
        raise CamscanUsageError(str(exc)) from None


def _infra_targets(hosts: list[str], opts: OutputOptions, allow_public: bool) -> list[SnmpTarget]:
    """--infra hosts and [[infra]] tables, secrets read now and every agent's address checked
    as targets are (a globally routable one needs --allow-public): exit 2 before any packet."""
    from camscan.infra.config import infra_targets
    from camscan.secrets import SecretError

    try:
        targets = infra_targets(_split(hosts), list(opts.config.infra))
    except (SecretError, ValueError) as exc:
        raise CamscanUsageError(str(exc)) from None
    for target in [] if allow_public else targets:
        try:
            public = public_intervals(parse_target(target.host, _resolve_host))
        except ScopeError as exc:
            raise CamscanUsageError(f"infra agent {target.host}: {exc}") from None
        if public:
            raise CamscanUsageError(
                f"infra agent {target.host} is a globally routable address; querying public "
                "addresses needs --allow-public (and authorisation)"
            )
    return targets


def _check_imports(paths: tuple[Path, ...]) -> None:
    """Refuse an --import file camscan cannot read (unknown format, not parseable) before any
    packet, with the whole reason; a file in a known format with bad records goes on (they
    are skipped and counted in the scan document)."""
    from camscan.imports import ImportFileError, read_import

    for path in paths:
        try:
            read_import(path)
        except ImportFileError as exc:
            raise CamscanUsageError(f"--import {exc}") from None


@click.command("scan", cls=_ScanCommand)
@click.argument("targets", nargs=-1)
@click.option(
    "-iL",
    "input_list",
    type=click.Path(allow_dash=True, dir_okay=False),
    help="Read targets from FILE (nmap syntax; '-' for stdin).",
)
@click.option(
    "--iface",
    "-i",
    help="Interface for ARP and multicast [default: from the routing table, as nmap does; "
    "nmap's -e works too].",
)
@click.option(
    "--methods",
    "-m",
    multiple=True,
    help=f"Discovery methods, comma-separated [default: {','.join(DEFAULT_METHODS)}].",
)
@click.option("--exclude", multiple=True, help="Addresses/ranges/networks to leave out.")
@click.option(
    "--exclude-file",
    type=click.Path(allow_dash=True, dir_okay=False),
    help="Read exclusions from FILE.",
)
@click.option("--allow-public", is_flag=True, help="Allow globally routable targets.")
@click.option(
    "--max-hosts",
    type=click.IntRange(1),
    default=DEFAULT_MAX_HOSTS,
    show_default=True,
    help="Refuse scopes larger than this.",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0),
    help="Max new connections/s (0 = no limit; nmap's --max-rate works too).",
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, MAX_CONCURRENCY),
    help="Global cap on simultaneous connections [default: from the open-files limit].",
)
@click.option(
    "--per-host",
    type=click.IntRange(1, 16),
    default=2,
    show_default=True,
    help="Probes run at once against one host.",
)
@click.option("--timeout", type=click.FloatRange(min=0.1), help="Per-request timeout, s [3].")
@seconds_option(
    "--discovery-timeout",
    0.2,
    2.0,
    "At most how long multicast discovery listens, s (each protocol stops sooner once its "
    "own reply-delay rule says every answer is in).",
)
@seconds_option(
    "--host-timeout", 0, 15.0, "Wall-clock budget for all probes of one host, s (0 = none)."
)
@click.option(
    "--ports", help="TCP ports to sweep, e.g. 80,443,8000-8010 [camera port list] (nmap: -p)."
)
@click.option("--probes", "probe_names", help="Probes to run, comma-separated, or 'none' [all].")
@click.option(
    "--username",
    help="Login for ONVIF and recorder channel APIs on every host ([[credentials]] tables win "
    "for the hosts they name); camscan never guesses credentials.",
)
@click.option("--password-env", metavar="VAR", help="Environment variable holding the password.")
@click.option(
    "--password-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File whose first line is the password (never give a password on the command line).",
)
@click.option(
    "--snmp-community",
    help="SNMP v2c community for the snmp probe (visible in ps: prefer --snmp-community-env).",
)
@click.option("--snmp-community-env", metavar="VAR", help="Variable holding the SNMP community.")
@click.option(
    "--snmp-community-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File whose first line is the SNMP community.",
)
@policy_option
@signatures_option
@click.option(
    "--yes",
    "-y",
    "assume_yes",
    is_flag=True,
    help="Do not ask before scanning --iface's own subnets.",
)
@click.option(
    "--infra",
    "infra_hosts",
    multiple=True,
    metavar="HOST",
    help="Switch/router to read ARP, FDB, VLAN and LLDP tables from over SNMP (repeatable); "
    "credentials come from the config's [[infra]] tables, never the command line.",
)
@click.option(
    "--import",
    "import_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Extra MACs and host names from a DHCP lease file (ISC dhcpd, Kea CSV, dnsmasq) or "
    "nmap -oX XML (repeatable; format detected).",
)
@click.option("--verbose", "-v", is_flag=True, help="Log discovery and probe decisions to stderr.")
@click.option("--debug", "-d", is_flag=True, help="Log everything --verbose does, and more.")
@output_options
def scan_cmd(
    targets: tuple[str, ...],
    input_list: str | None,
    iface: str | None,
    methods: tuple[str, ...],
    exclude: tuple[str, ...],
    exclude_file: str | None,
    allow_public: bool,
    max_hosts: int,
    rate: float | None,
    concurrency: int | None,
    per_host: int,
    timeout: float | None,
    discovery_timeout: float,
    host_timeout: float,
    ports: str | None,
    probe_names: str | None,
    username: str | None,
    password_env: str | None,
    password_file: Path | None,
    snmp_community: str | None,
    snmp_community_env: str | None,
    snmp_community_file: Path | None,
    policies: tuple[str, ...],
    signature_dirs: tuple[Path, ...],
    assume_yes: bool,
    infra_hosts: tuple[str, ...],
    import_files: tuple[Path, ...],
    verbose: bool,
    debug: bool,
    opts: OutputOptions,
) -> None:
    """Find cameras and recorders in TARGETS and say who made them.

    TARGETS use nmap syntax: 192.0.2.0/24, 192.0.2.1-20, 192.0.2.1-192.0.2.40, hosts.
    nmap habits work where camscan means the same (-p, -e, -v, -d, -n, --max-rate, -p-);
    other nmap options are refused with camscan's equivalent.
    Use only on networks you are authorised to audit.
    """
    log_to_stderr(logging.DEBUG if debug else logging.INFO if verbose else None)
    cfg = opts.config.scan
    iface = iface or cfg.iface
    if iface and interface_info(iface) is None:
        from camscan.netroute import interface_names

        raise CamscanUsageError(
            f"no interface named {iface}; this host has: {', '.join(interface_names())}"
        )
    specs = list(targets)
    try:
        if input_list:
            specs += read_target_file(input_list, stdin=sys.stdin.read, resolve=_resolve_host)
        excludes = _split(list(exclude) or cfg.exclude)
        if exclude_file:
            excludes += read_target_file(exclude_file, stdin=sys.stdin.read, resolve=_resolve_host)
        specs = specs or list(cfg.targets) or _interface_scope(iface, assume_yes)
        scope: Scope = build_scope(
            specs, excludes, allow_public=allow_public, max_hosts=max_hosts, resolve=_resolve_host
        )
    except ScopeError as exc:
        raise CamscanUsageError(str(exc)) from None
    chosen = _split(list(methods) or cfg.methods) or list(DEFAULT_METHODS)
    unknown = [m for m in chosen if m not in METHODS]
    if unknown:
        raise CamscanUsageError(
            f"unknown method(s) {', '.join(unknown)}; choose from {', '.join(METHODS)}"
        )
    try:
        port_list = parse_ports(ports) if ports is not None else ()  # "" is an error
    except ValueError as exc:
        raise CamscanUsageError(f"--ports: {exc}") from None
    probes = tuple(_split([probe_names])) if probe_names else None
    if probes == ("none",):
        probes = ()  # discovery only
    elif probes is not None:
        from camscan.probe.registry import PROBES

        if bad := [p for p in probes if p not in PROBES]:
            raise CamscanUsageError(
                f"unknown probe(s) {', '.join(bad)}; choose from {', '.join(PROBES)}"
            )
    from camscan.credentials import CredentialError, cli_login, host_logins

    try:  # secrets are read now: exit 2 before any packet
        login = cli_login(username, password_env, password_file)
        logins = host_logins(list(opts.config.credentials))
    except CredentialError as exc:
        raise CamscanUsageError(str(exc)) from None
    chosen_policies = tuple(_split(list(policies) or cfg.policies))
    from camscan.policy import PolicyNotFound, resolve

    try:
        resolve(chosen_policies)
    except (PolicyNotFound, ValueError) as exc:
        raise CamscanUsageError(str(exc)) from None
    from camscan.signatures import load_signatures

    load_signatures(signature_dirs)  # bad signature files: exit 2 before any packet is sent

    infra = _infra_targets(list(infra_hosts), opts, allow_public)
    if infra and "infra" not in chosen:
        chosen.append("infra")
    if import_files and "import" not in chosen:
        chosen.append("import")
    _check_imports(import_files)
    raise_open_files_limit()  # before default_concurrency() reads it
    settings = ScanSettings(
        scope=scope,
        iface=iface,
        methods=tuple(chosen),
        ports=port_list,
        rate=rate if rate is not None else (cfg.rate or 0.0),
        concurrency=concurrency or default_concurrency(),
        per_host=per_host,
        timeout=timeout or cfg.timeout or 3.0,
        discovery_timeout=discovery_timeout,
        host_timeout=host_timeout,
        credentials=Credentials(
            username=login.username if login else None,
            password=login.password if login else None,
            hosts=logins,
            snmp_community=_community(snmp_community, snmp_community_env, snmp_community_file),
        ),
        policies=chosen_policies,
        signature_dirs=signature_dirs,
        probes=probes,
        infra=tuple(infra),
        imports=import_files,
    )
    view = ProgressView() if opts.progress else None
    # Fail on a corrupt or busy history before any packet is sent, and hold the lock so that
    # overlapping runs (cron and a person) cannot interleave.
    with history_guard(opts):
        if view is not None:
            with view.progress:
                doc = asyncio.run(run_with_signals(settings, view))
        else:
            doc = asyncio.run(run_with_signals(settings, None))
        code = finish(doc, opts, record=True)
    sys.exit(code)
