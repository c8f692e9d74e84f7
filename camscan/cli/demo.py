"""`camscan demo`: build the example building, scan it for real, report, tear it down.

As root the building runs in network namespaces and the scan uses every discovery method
from the auditor namespace. Without root the personas are served on 127.x addresses
(unicast HTTP/HTTPS/RTSP/ONVIF only) and scanned there, which still exercises the probes,
the signatures and the policies.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from camscan.cli.lab import topology_path
from camscan.exitcodes import ExitCode
from camscan.models import ScanDocument
from camscan.words import plural

if TYPE_CHECKING:
    from camscan.lab.runner import Lab


def _scan_and_report(argv: Sequence[str], out_dir: Path, fmt: str, label: str, hosts: int) -> int:
    """Run the scan command, keep its document and an HTML report in ``out_dir``, print both."""
    import subprocess

    from camscan.report import render
    from camscan.report.common import summarize

    doc_path = out_dir / "scan.json"
    try:
        rc = subprocess.call(list(argv))
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    try:
        doc = ScanDocument.model_validate_json(doc_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        click.echo(f"camscan demo: the scan wrote no readable document ({exc})", err=True)
        return rc or ExitCode.INCOMPLETE
    report = out_dir / "report.html"
    report.write_text(render(doc, "html"), encoding="utf-8")
    click.echo(render(doc, fmt, color=sys.stdout.isatty()), nl=False)
    s = summarize(doc)
    click.echo(
        f"demo ({label}, {plural(hosts, 'simulated host')}): {plural(s.devices, 'device')}, "
        f"{s.video()}, {s.restricted} restricted" + ("" if s.complete else "; scan INCOMPLETE"),
        err=True,
    )
    click.echo(_next_steps(doc_path, report), err=True)
    return rc


def _next_steps(doc_path: Path, report: Path) -> str:
    """Where the demo left its files and the commands to try next (camscan on the PATH first)."""
    lines = [f"report: {report}", f"scan document: {doc_path}", "next:"]
    if shutil.which("camscan") is None:
        activate = Path(sys.prefix) / "bin" / "activate"
        with contextlib.suppress(ValueError):
            activate = activate.relative_to(Path.cwd())
        lines.append(f"  . {activate}        # puts camscan on your PATH")
    lines += [
        f"  camscan identify {doc_path} -f markdown   # re-judge the saved scan offline",
        "  camscan scan --help                       # audit a real network you may audit",
    ]
    return "\n".join(lines)


def demo_infra_args(lab: Lab) -> list[str]:
    """``--config FILE`` with the lab's ``[[credentials]]`` (recorder logins) and ``[[infra]]``
    (SNMP switches and routers, authPriv where they offer it) — the file ``lab up`` prints,
    its secrets in 0600 files (:func:`camscan.lab.logins.write_scan_config`); [] without."""
    config = lab.credentials_config
    return ["--config", str(config)] if config is not None else []


@click.command(
    "demo", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.option(
    "--topology",
    metavar="NAME|FILE",
    help="Shipped topology name (building, small, large …) or a topology file [building].",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    default="table",
    show_default=True,
    help="Report format (any `camscan scan --format`).",
)
@click.option("--loopback", is_flag=True, help="Use 127.x personas even when root.")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("camscan-demo"),
    show_default=True,
    help="Where the demo keeps its scan document and HTML report.",
)
@click.argument("scan_args", nargs=-1, type=click.UNPROCESSED)
def demo_cmd(
    topology: str | None, fmt: str, loopback: bool, out_dir: Path, scan_args: tuple[str, ...]
) -> None:
    """Scan a simulated building end to end; exit with the scan's exit code.

    Extra SCAN_ARGS after `--` go to `camscan scan` (e.g. `-- --policy us-fcc-covered-list`).
    """
    from camscan.lab import Lab, LabError, TopologyError
    from camscan.lab.netns import lab_support_problem

    path = topology_path(topology)
    problem = None if not loopback else "--loopback given"
    problem = problem or lab_support_problem()
    out_dir.mkdir(parents=True, exist_ok=True)
    doc_path = out_dir / "scan.json"
    common = ["-f", "json", "-o", str(doc_path.resolve()), "--quiet", "--no-db", *scan_args]
    try:
        if problem is None:
            lab = Lab(path, on_progress=lambda text: click.echo(text, err=True))
            with lab:
                targets = [str(n) for n in lab.topo.scan_targets]
                infra = demo_infra_args(lab)
                argv = lab.command(
                    [
                        sys.executable,
                        "-m",
                        "camscan",
                        "scan",
                        "--iface",
                        lab.auditor_iface,
                        "--yes",
                        *targets,
                        *infra,
                        *common,
                    ]
                )
                click.echo(f"scanning {' '.join(targets)} from lab {lab.id} ...", err=True)
                rc = _scan_and_report(argv, out_dir, fmt, f"lab {lab.id}", len(lab.hosts))
        else:
            from camscan.lab.loopback import LoopbackLab, scan_command

            click.echo(
                f"camscan demo: {problem}; falling back to personas on 127.x addresses "
                "(unicast HTTP/RTSP/ONVIF only, no discovery protocols)",
                err=True,
            )
            with LoopbackLab(path) as lb:
                argv = scan_command(lb.addresses, *common)
                rc = _scan_and_report(argv, out_dir, fmt, "loopback", len(lb.hosts))
    except (TopologyError, LabError) as exc:
        click.echo(f"camscan demo: {exc}", err=True)
        sys.exit(ExitCode.USAGE)
    except KeyboardInterrupt:
        sys.exit(ExitCode.INTERRUPTED)
    sys.exit(rc)
