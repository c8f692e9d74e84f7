"""CSV: one row per device, for spreadsheets and asset registers.

The last column, ``methods_not_run``, is scan-wide and repeats on every row: the discovery
methods that were skipped, failed or only partly ran, so that a sheet read on its own still
says what the scan could not see (a comment row would break CSV readers). A scan with no
devices has no rows: the stderr summary line and ``-f json`` say it there.
"""

from __future__ import annotations

import csv
import io

from camscan.models import ScanDocument
from camscan.recorders import behind_text, describe
from camscan.report.common import (
    entities,
    evidence_summary,
    methods_not_run,
    not_run_text,
    ordered,
    policy_ids,
)
from camscan.sanitize import csv_cell

COLUMNS = (
    "address",
    "mac",
    "status",
    "vendor",
    "brand",
    "model",
    "firmware",
    "device_type",
    "confidence",
    "restricted",
    "policies",
    "entities",
    "evidence",
    "acknowledged",
    "switch",
    "port",
    "vlan",
    "methods_not_run",
    "behind",
    "channels",
    "uplink",  # for a camera on a recorder's PoE port: where the recorder plugs in
)


def _cell(text: str | None) -> str:
    return csv_cell(text)


def render_csv(doc: ScanDocument) -> str:
    """Restricted devices first; 'status' is the verdict word (``unidentified`` for devices
    camscan could not identify); 'restricted' is yes / suspected / no."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    not_run = _cell(not_run_text(methods_not_run(doc), "; "))
    for d in ordered(doc.devices):
        ident = d.identification
        restricted = "yes" if d.policy.restricted else "suspected" if d.policy.suspected else "no"
        writer.writerow(
            [
                _cell(d.address),
                _cell(d.mac),
                d.status.value,
                _cell(ident.vendor),
                _cell(ident.brand),
                _cell(ident.model),
                _cell(ident.firmware),
                _cell(ident.device_type),
                f"{ident.confidence:.2f}",
                restricted,
                _cell(" ".join(policy_ids(d))),
                _cell("; ".join(entities(d))),
                _cell(evidence_summary(d, limit=6)),
                _cell(d.policy.acknowledged),
                _cell(d.location.switch if d.location else None),
                _cell(d.location.port if d.location else None),
                "" if d.location is None or d.location.vlan is None else str(d.location.vlan),
                not_run,
                _cell(behind_text(d)),
                _cell(describe(d.channels) if d.channels else None),
                _cell(d.location.uplink if d.location else None),
            ]
        )
    return out.getvalue()
