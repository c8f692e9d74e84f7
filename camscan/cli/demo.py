"""`camscan demo`: build the example building, scan it for real, report, tear it down.

As root the building runs in network namespaces and the scan uses every discovery method
from the auditor namespace. Without root the personas are served on 127.x addresses
(unicast HTTP/HTTPS/RTSP/ONVIF only) and scanned there, which still exercises the probes,
the signatures and the policies.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import click

from camscan.cli.lab import default_topology
from camscan.exitcodes import ExitCode
from camscan.models import ScanDocument


def _scan_and_report(argv: Sequence[str], doc_path: Path, fmt: str, label: str, hosts: int) -> int:
    """Run the scan command, then print its report and the one-line summary."""
    import subprocess

    from camscan.report import render
    from camscan.report.common import summarize

    try:
        rc = subprocess.call(list(argv))
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    try:
        doc = ScanDocument.model_validate_json(doc_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        click.echo(f"camscan demo: the scan wrote no readable document ({exc})", err=True)
        return rc or ExitCode.INCOMPLETE
    click.echo(render(doc, fmt, color=sys.stdout.isatty()), nl=False)
    s = summarize(doc)
    click.echo(
        f"demo ({label}, {hosts} simulated hosts): {s.devices} devices, {s.cameras} cameras, "
        f"{s.restricted} restricted" + ("" if s.complete else "; scan INCOMPLETE"),
        err=True,
    )
    return rc


@click.command(
    "demo", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.option(
    "--topology",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Topology to build [examples/lab/building.yaml].",
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
@click.argument("scan_args", nargs=-1, type=click.UNPROCESSED)
def demo_cmd(topology: Path | None, fmt: str, loopback: bool, scan_args: tuple[str, ...]) -> None:
    """Scan a simulated building end to end; exit with the scan's exit code.

    Extra SCAN_ARGS after `--` go to `camscan scan` (e.g. `-- --policy us-fcc-covered-list`).
    """
    from camscan.lab import Lab, LabError, TopologyError
    from camscan.lab.netns import lab_support_problem

    path = topology or default_topology()
    problem = None if not loopback else "--loopback given"
    problem = problem or lab_support_problem()
    with tempfile.TemporaryDirectory(prefix="camscan-demo-") as tmp:
        doc_path = Path(tmp) / "scan.json"
        common = ["-f", "json", "-o", str(doc_path), "--quiet", "--no-db", *scan_args]
        try:
            if problem is None:
                lab = Lab(path, on_progress=lambda text: click.echo(text, err=True))
                with lab:
                    targets = [str(n) for n in lab.topo.scan_targets]
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
                            *common,
                        ]
                    )
                    click.echo(f"scanning {' '.join(targets)} from lab {lab.id} ...", err=True)
                    rc = _scan_and_report(argv, doc_path, fmt, f"lab {lab.id}", len(lab.hosts))
            else:
                from camscan.lab.loopback import LoopbackLab, scan_command

                click.echo(
                    f"camscan demo: {problem}; falling back to personas on 127.x addresses "
                    "(unicast HTTP/RTSP/ONVIF only, no discovery protocols)",
                    err=True,
                )
                with LoopbackLab(path) as lb:
                    argv = scan_command(lb.addresses, *common)
                    rc = _scan_and_report(argv, doc_path, fmt, "loopback", len(lb.hosts))
        except (TopologyError, LabError) as exc:
            click.echo(f"camscan demo: {exc}", err=True)
            sys.exit(ExitCode.USAGE)
        except KeyboardInterrupt:
            sys.exit(ExitCode.INTERRUPTED)
    sys.exit(rc)
