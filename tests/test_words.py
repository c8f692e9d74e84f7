"""Counted nouns agree in number everywhere camscan writes a count ("1 hosts" was a defect)."""

from __future__ import annotations

import time

from camscan.discover._common import query_outcome
from camscan.models import AttemptStatus
from camscan.notify import subject
from camscan.report.common import summarize
from camscan.words import plural
from tests.report.sample_docs import axis_camera, building


def test_plural_regular_irregular_and_zero() -> None:
    assert plural(1, "host") == "1 host"
    assert plural(0, "host") == "0 hosts"
    assert plural(2, "host") == "2 hosts"
    assert plural(1, "entity", "entities") == "1 entity"
    assert plural(3, "entity", "entities") == "3 entities"


def test_one_device_is_singular_in_the_summary_line_and_mail_subject() -> None:
    doc = building([axis_camera()])
    assert summarize(doc).line().startswith("1 device, 1 camera, ")
    assert "of 1 device (1 camera, 0 recorders)" in subject(doc, "[camscan]")


def test_a_discovery_method_reports_one_host_and_one_datagram_in_the_singular() -> None:
    outcome = query_outcome(
        "dhip", 37810, time.monotonic(), hosts=1, received=1, sent=3, errors=[], asked=1
    )
    assert outcome.status is AttemptStatus.OK
    assert outcome.reason == "asked 1 host directly; 1 host from 1 datagram"
