"""The report by email: stdlib smtplib, TLS unless explicitly turned off, password never on argv.

``tls = "starttls"`` (default) upgrades the connection and refuses a server that cannot;
``"ssl"`` is implicit TLS (port 465); ``"none"`` sends in clear text and is meant for a relay
on localhost. Certificates are verified with the system store or ``ca_file``.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from camscan.config import ConfigError, EmailConfig
from camscan.diff import RunDiff, render_diff_text
from camscan.models import ScanDocument
from camscan.report import Format, render
from camscan.report.common import summarize
from camscan.sanitize import clean
from camscan.words import plural

MAX_SUBJECT = 200


class NotifyError(RuntimeError):
    """The email could not be sent; the message is the reason (no secrets in it)."""


@dataclass(frozen=True)
class Decision:
    """Whether a run's email goes out, and why."""

    send: bool
    reason: str


def decide(on: str, doc: ScanDocument, diff: RunDiff | None) -> Decision:
    """Apply ``--email-on``: findings (unacknowledged, or newly flagged), changes, always.

    ``diff`` is against the previous complete run; None means there is no previous run.
    """
    summary = summarize(doc)
    if on == "always":
        return Decision(True, "always")
    if on == "changes":
        if diff is None:
            return Decision(bool(doc.devices), "first recorded run")
        return Decision(not diff.empty, "changes since last run" if not diff.empty else "none")
    open_findings = summary.restricted + summary.suspected
    if open_findings:
        return Decision(True, f"{open_findings} unacknowledged finding(s)")
    if diff is not None and diff.newly_flagged():
        return Decision(True, "newly flagged device(s)")
    if not doc.complete:
        return Decision(True, "scan incomplete")
    return Decision(False, "no unacknowledged findings")


def subject(doc: ScanDocument, prefix: str) -> str:
    """A subject that says the counts, so the inbox list alone tells the story."""
    s = summarize(doc)
    scope = clean(", ".join(doc.scope), 60)
    unknown = f", {len(s.unidentified)} not identified" if s.unidentified else ""
    parts = [prefix, f"{s.restricted} restricted, {s.suspected} suspected{unknown}"]
    parts.append(f"of {plural(s.devices, 'device')} ({s.video()})")
    if s.acknowledged:
        parts.append(f"+{s.acknowledged} acknowledged")
    if not s.complete or s.interrupted:
        parts.append("INCOMPLETE")
    if scope:
        parts.append(f"in {scope}")
    return clean(" ".join(p for p in parts if p), MAX_SUBJECT)


def build_message(doc: ScanDocument, cfg: EmailConfig, diff: RunDiff | None = None) -> EmailMessage:
    """Text and HTML body (the HTML report) with CSV and JSON attachments."""
    if not cfg.to or not cfg.sender:
        raise NotifyError("email: 'to' and 'from' must be configured ([email] or CAMSCAN_EMAIL_*)")
    msg = EmailMessage()
    msg["Subject"] = subject(doc, cfg.subject_prefix)
    msg["From"] = cfg.sender
    msg["To"] = ", ".join(cfg.to)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    msg["Message-ID"] = make_msgid(domain="camscan.invalid")
    text = render(doc, Format.TEXT)
    if diff is not None:
        text += "\nChanges since the previous run:\n" + render_diff_text(diff, "previous", "now")
    msg.set_content(text)
    msg.add_alternative(render(doc, Format.HTML), subtype="html")
    msg.add_attachment(
        render(doc, Format.CSV).encode(), maintype="text", subtype="csv",
        filename="camscan-report.csv",
    )  # fmt: skip
    msg.add_attachment(
        render(doc, Format.JSON).encode(), maintype="application", subtype="json",
        filename="camscan-report.json",
    )  # fmt: skip
    return msg


def send(msg: EmailMessage, cfg: EmailConfig, password: str | None = None) -> None:
    """Deliver ``msg``; raise :class:`NotifyError` with the reason on any failure."""
    if not cfg.smtp_host:
        raise NotifyError("email: smtp_host is not configured")
    if password is None:
        try:
            password = cfg.password()
        except ConfigError as exc:
            raise NotifyError(str(exc)) from exc
    where = f"{cfg.smtp_host}:{cfg.port()}"
    try:
        context = ssl.create_default_context(cafile=str(cfg.ca_file) if cfg.ca_file else None)
    except (OSError, ssl.SSLError) as exc:
        raise NotifyError(f"email: cannot load ca_file {cfg.ca_file}: {exc}") from exc
    try:
        smtp: smtplib.SMTP
        if cfg.tls == "ssl":
            smtp = smtplib.SMTP_SSL(cfg.smtp_host, cfg.port(), timeout=cfg.timeout, context=context)
        else:
            smtp = smtplib.SMTP(cfg.smtp_host, cfg.port(), timeout=cfg.timeout)
        with smtp:
            smtp.ehlo()
            if cfg.tls == "starttls":
                if not smtp.has_extn("starttls"):
                    raise NotifyError(
                        f"email: {where} does not offer STARTTLS; refusing to send in clear "
                        'text (set tls = "none" only for a trusted local relay)'
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
            if cfg.username:
                smtp.login(cfg.username, password or "")
            smtp.send_message(msg)
    except NotifyError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise NotifyError(
            f"email: {where} rejected the login for {cfg.username!r}: {exc.smtp_code}"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise NotifyError(f"email: {where}: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        detail = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        raise NotifyError(f"email: {where} answered {exc.smtp_code} {clean(detail, 200)}") from exc
    except smtplib.SMTPException as exc:
        raise NotifyError(f"email: {where}: {clean(str(exc), 200)}") from exc
    except ssl.SSLError as exc:
        raise NotifyError(f"email: TLS with {where} failed: {exc.reason or exc}") from exc
    except TimeoutError as exc:
        raise NotifyError(f"email: {where} timed out after {cfg.timeout:g}s") from exc
    except OSError as exc:
        raise NotifyError(f"email: cannot reach {where}: {exc.strerror or exc}") from exc
