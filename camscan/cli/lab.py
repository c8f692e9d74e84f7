"""`camscan lab up|status|exec|down`: the simulated building in network namespaces (root)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import click

from camscan.cli.common import safe, seconds_option
from camscan.exitcodes import ExitCode
from camscan.words import plural


def lab_dir() -> Path:
    """The shipped lab topologies and personas: inside the wheel, else the checkout's."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_lab", here.parent / "examples" / "lab"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("camscan's lab topologies are missing from this installation")


def topology_path(name: str | Path | None) -> Path:
    """A topology file: a path, or the name of a shipped one (``building``, ``small`` …).

    Raises:
        click.BadParameter: neither a file nor a shipped topology's name.
    """
    if name is None:
        name = "building"
    path = Path(name)
    if path.is_file():
        return path
    shipped = lab_dir() / f"{name}.yaml"
    if path.suffix == "" and shipped.is_file():
        return shipped
    names = sorted(p.stem for p in lab_dir().glob("*.yaml"))
    raise click.BadParameter(f"{name}: no such file or shipped topology ({', '.join(names)})")


def default_topology() -> Path:
    """The example building (``building.yaml``) shipped with camscan."""
    return topology_path(None)


def _need_lab_support() -> None:
    from camscan.lab.netns import lab_support_problem

    problem = lab_support_problem()
    if problem:
        click.echo(f"camscan lab: {problem}", err=True)
        sys.exit(ExitCode.USAGE)


def _fail(message: str) -> None:
    click.echo(f"camscan lab: {message}", err=True)
    sys.exit(ExitCode.USAGE)


def _describe(
    lab_id: str, iface: str, addresses: list[str], targets: list[str], config: str = ""
) -> str:
    """What the lab is and the exact scan command (with ``--config`` when it has logins)."""
    with_config = f"--config {config} " if config else ""
    return (
        f"lab {lab_id}: auditor {', '.join(addresses)} on {iface}\n"
        f"  scan it:  camscan lab exec --lab {lab_id} -- camscan scan {with_config}"
        f"{' '.join(targets)}\n"
        f"  shell:    camscan lab exec --lab {lab_id} -- bash"
    )


@click.group("lab")
def lab_group() -> None:
    """The simulated building (needs root): fake cameras in network namespaces.

    Every address is in a TEST-NET (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and every
    packet stays inside the lab's own namespaces.
    """


@lab_group.command("up")
@click.argument("topology", required=False, metavar="[NAME|FILE]")
@click.option("--detach", "-d", is_flag=True, help="Leave it running and return (see `down`).")
@seconds_option("--ready-timeout", 1, 60.0, "Seconds to wait for every device to listen.")
def up_cmd(topology: str | None, detach: bool, ready_timeout: float) -> None:
    """Build a topology (a shipped name or a file; default: building) and run it until Ctrl-C."""
    _need_lab_support()
    from camscan.lab import Lab, LabError, TopologyError

    path = topology_path(topology)
    try:
        lab = Lab(
            path,
            ready_timeout=ready_timeout,
            detach=detach,
            on_progress=lambda text: click.echo(text, err=True),
        )
    except TopologyError as exc:
        _fail(str(exc))
    try:
        lab.up()
    except LabError as exc:
        _fail(str(exc))
    # From here on a signal may arrive at any moment: every path must end in down/release.
    released = False
    try:
        state = lab.state
        assert state is not None
        for host in state.hosts:
            click.echo(
                f"  {host.address:<15} {host.mac}  {safe(Path(host.persona).stem, 40):<30} "
                f"{safe(host.label, 40)}"
            )
        click.echo(
            _describe(
                state.id,
                state.auditor_iface,
                state.auditor_addresses,
                state.scan_targets,
                state.credentials_config,
            )
        )
        if state.credentials_config:  # recorder logins and SNMP infra (lab data, mode 0600)
            click.echo(
                f"  config:   {state.credentials_config} ([[credentials]] recorder logins, "
                "[[infra]] SNMP switch/router/recorder PoE switch; secrets in 0600 files)"
            )
        if detach:
            lab.release()
            released = True
            click.echo(f"detached; stop it with: camscan lab down {state.id}")
            return
        click.echo("running; Ctrl-C (or SIGTERM) tears it down", err=True)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        if not released:
            left = lab.down()
            click.echo(
                "lab removed" if not left else f"could not remove: {', '.join(left)}", err=True
            )


@lab_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the state files as JSON.")
def status_cmd(as_json: bool) -> None:
    """List labs: running ones, and leftovers that `down --all` would remove."""
    from camscan.lab import lab_is_live, list_labs
    from camscan.lab.netns import LAB_NS_RE, lab_namespaces

    states = list_labs()
    if as_json:
        click.echo("[" + ",\n".join(s.model_dump_json(indent=2) for s in states) + "]")
        return
    known = {s.id for s in states}
    orphans = sorted({m.group(1) for n in lab_namespaces() if (m := LAB_NS_RE.match(n))} - known)
    if not states and not orphans:
        click.echo("no lab")
        return
    for s in states:
        live = "running" if lab_is_live(s) else "left over (owner gone)"
        mode = "detached" if s.detached else f"owner pid {s.owner_pid}"
        click.echo(f"{s.id}  {s.name}  {plural(len(s.hosts), 'host')}  {live}, {mode}")
        click.echo(
            "  "
            + _describe(
                s.id, s.auditor_iface, s.auditor_addresses, s.scan_targets, s.credentials_config
            ).replace("\n", "\n  ")
        )
    for lab_id in orphans:
        click.echo(f"{lab_id}  namespaces without a state file (crash leftover)")


@lab_group.command(
    "exec", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.option("--lab", "lab_id", help="Lab id (default: the only running lab).")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def exec_cmd(lab_id: str | None, command: tuple[str, ...]) -> None:
    """Run COMMAND inside the lab's auditor namespace: `camscan lab exec -- CMD ARGS...`.

    The command sees only the lab network; CAMSCAN_LAB and CAMSCAN_LAB_IFACE are set.
    SIGTERM and SIGHUP (a systemd stop, a cron timeout) are passed on to COMMAND, which
    ends as it would if signalled itself; the exit code is COMMAND's.
    """
    _need_lab_support()
    from camscan.lab import LabError, attach
    from camscan.lab.netns import ip_binary

    try:
        state = attach(lab_id)
    except LabError as exc:
        _fail(str(exc))
    env = dict(os.environ, CAMSCAN_LAB=state.id, CAMSCAN_LAB_IFACE=state.auditor_iface)
    argv = [ip_binary() or "ip", "netns", "exec", state.auditor_netns, *command]
    sys.exit(_run_forwarding(argv, env))


#: Passed on to the command; SIGINT is not: Ctrl-C already reaches the whole foreground
#: process group, and a second one would make camscan abort at once.
FORWARDED = (signal.SIGTERM, signal.SIGHUP)


def _run_forwarding(argv: list[str], env: dict[str, str]) -> int:
    """Run ``argv`` (``ip netns exec`` execs the command: its PID is the command's), passing
    :data:`FORWARDED` signals on, and return its exit code."""
    proc = subprocess.Popen(argv, env=env)

    def forward(signum: int, _frame: object) -> None:
        proc.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in FORWARDED}
    previous_int = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command gets it itself
    try:
        rc = proc.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        signal.signal(signal.SIGINT, previous_int)
    return rc if rc >= 0 else 128 - rc  # the shell's 128+N for a command killed by signal N


@lab_group.command("down")
@click.argument("lab_id", required=False)
@click.option("--all", "all_labs", is_flag=True, help="Remove every lab left behind (cs-*).")
@click.option("--force", is_flag=True, help="With --all: also labs whose owner still runs.")
def down_cmd(lab_id: str | None, all_labs: bool, force: bool) -> None:
    """Stop a lab's devices and delete its namespaces (LAB_ID, or --all leftovers)."""
    _need_lab_support()
    from camscan.lab import down_all, teardown
    from camscan.lab.netns import lab_namespaces, namespace_pids

    if all_labs:
        report = down_all(force=force)
        for name in report.removed:
            click.echo(f"removed {name}")
        for name in report.skipped_live:
            click.echo(f"kept {name}: still running (--force removes it)", err=True)
        for name in report.failed:
            click.echo(f"could not remove {name}", err=True)
        if not (report.removed or report.skipped_live or report.failed):
            click.echo("nothing to remove")
        sys.exit(ExitCode.INCOMPLETE if report.failed else ExitCode.OK)
    if lab_id is None:
        # Only a detached lab is fair game without a name: a lab whose owner still runs may
        # be someone else's test session on this machine.
        from camscan.lab import list_labs

        detached = [s.id for s in list_labs() if s.detached]
        if len(detached) != 1:
            _fail(
                "name the lab to remove (see `camscan lab status`)"
                if detached
                else "no detached lab; name one (see `camscan lab status`) or use --all"
            )
        lab_id = detached[0]
    assert lab_id is not None
    namespaces = lab_namespaces(lab_id)
    from camscan.lab.state import read_state

    if not namespaces and read_state(lab_id) is None:
        _fail(f"no lab named {lab_id}")
    ours = {p for ns in namespaces for p in namespace_pids(ns)}
    left = teardown(lab_id, pids=sorted(ours))
    if left:
        click.echo(f"could not remove: {', '.join(left)}", err=True)
        sys.exit(ExitCode.INCOMPLETE)
    click.echo(f"removed {lab_id}")
