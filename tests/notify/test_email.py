"""Email against a real aiosmtpd server on 127.0.0.1: plain, STARTTLS, implicit TLS, AUTH."""

from __future__ import annotations

import email
import re
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from camscan.config import EmailConfig
from camscan.diff import diff_states
from camscan.exitcodes import ExitCode
from camscan.notify import NotifyError, build_message, decide, send, subject
from camscan.store import states_of
from tests.report.cli_env import cli_env, run_camscan, run_report, save
from tests.report.sample_docs import building, clean_building, lts_camera

__all__ = ["cli_env"]

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

USER, PASSWORD = "camscan", "correct horse battery staple"


@dataclass
class Inbox:
    """Messages the test server accepted."""

    messages: list[Message] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


def _authenticator(inbox: Inbox) -> Any:
    def check(_server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            USER.encode(), PASSWORD.encode(),
        )  # fmt: skip
        if ok:
            inbox.auth.append(mechanism)
        return AuthResult(success=ok, handled=False)

    return check


@pytest.fixture
def smtp(request: pytest.FixtureRequest, ca: trustme.CA) -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server; the mode comes from the test's parametrisation."""
    mode = getattr(request, "param", "plain")
    inbox = Inbox()
    port = _free_port()
    kwargs: dict[str, Any] = {}
    if mode in ("starttls", "starttls-auth"):
        kwargs.update(tls_context=_server_context(ca), require_starttls=True)
    if mode == "ssl":
        kwargs.update(ssl_context=_server_context(ca))
    if mode.endswith("auth"):
        kwargs.update(authenticator=_authenticator(inbox), auth_required=True,
                      auth_require_tls=mode != "plain-auth")  # fmt: skip
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _cfg(port: int, **kw: Any) -> EmailConfig:
    base: dict[str, Any] = {"to": ["security@example.org"], "from": "camscan@example.org",
                            "smtp_host": "127.0.0.1", "smtp_port": port, "timeout": 5}  # fmt: skip
    return EmailConfig.model_validate({**base, **kw})


@pytest.mark.parametrize("smtp", ["plain"], indirect=True)
def test_plain_delivery_with_report_and_attachments(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    cfg = _cfg(port, tls="none")
    send(build_message(building(), cfg), cfg)
    (msg,) = inbox.messages
    assert str(msg["Subject"]).strip() == (
        "[camscan] 1 restricted, 1 suspected of 5 devices (3 cameras, 1 recorder) in 192.0.2.0/24"
    )
    parts = {p.get_filename() or p.get_content_type(): p for p in msg.walk()}
    assert "camscan-report.csv" in parts
    assert "camscan-report.json" in parts
    html = parts["text/html"].get_payload(decode=True).decode()
    assert "Content-Security-Policy" in html
    assert "<script>document" not in html
    assert b"192.0.2.21" in parts["camscan-report.csv"].get_payload(decode=True)


@pytest.mark.parametrize("smtp", ["starttls"], indirect=True)
def test_starttls_verified_with_ca_file(smtp: tuple[Inbox, int], ca_file: Path) -> None:
    inbox, port = smtp
    cfg = _cfg(port, ca_file=str(ca_file))
    send(build_message(building(), cfg), cfg)
    assert len(inbox.messages) == 1


@pytest.mark.parametrize("smtp", ["starttls"], indirect=True)
def test_starttls_untrusted_certificate_fails(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    cfg = _cfg(port)  # system trust store does not know the test CA
    with pytest.raises(NotifyError, match=r"TLS with 127\.0\.0\.1"):
        send(build_message(building(), cfg), cfg)
    assert inbox.messages == []


@pytest.mark.parametrize("smtp", ["plain"], indirect=True)
def test_starttls_never_downgrades_to_plain(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    cfg = _cfg(port)  # tls defaults to starttls; this server does not offer it
    with pytest.raises(NotifyError, match="does not offer STARTTLS"):
        send(build_message(building(), cfg), cfg)
    assert inbox.messages == []


@pytest.mark.parametrize("smtp", ["ssl"], indirect=True)
def test_implicit_tls(smtp: tuple[Inbox, int], ca_file: Path) -> None:
    inbox, port = smtp
    cfg = _cfg(port, tls="ssl", ca_file=str(ca_file))
    send(build_message(building(), cfg), cfg)
    assert len(inbox.messages) == 1


@pytest.mark.parametrize("smtp", ["starttls-auth"], indirect=True)
def test_auth_over_starttls_with_password_from_env(smtp: tuple[Inbox, int], ca_file: Path) -> None:
    inbox, port = smtp
    cfg = _cfg(port, ca_file=str(ca_file), username=USER, password_env="TEST_SMTP_PW")
    send(build_message(building(), cfg), cfg, password=cfg.password({"TEST_SMTP_PW": PASSWORD}))
    assert len(inbox.messages) == 1
    assert inbox.auth  # smtplib picks the mechanism (PLAIN or LOGIN)


@pytest.mark.parametrize("smtp", ["plain-auth"], indirect=True)
@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_auth_login_and_plain(smtp: tuple[Inbox, int], mechanism: str, tmp_path: Path) -> None:
    inbox, port = smtp
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    pw.chmod(0o600)
    cfg = _cfg(port, tls="none", username=USER, password_file=str(pw))
    import smtplib

    real_login = smtplib.SMTP.login

    def login_with(self: smtplib.SMTP, user: str, password: str, **_: Any) -> Any:
        # restrict the client to one mechanism so both server paths are exercised
        self.esmtp_features["auth"] = mechanism
        return real_login(self, user, password)

    smtplib.SMTP.login = login_with  # type: ignore[method-assign]
    try:
        send(build_message(building(), cfg), cfg)
    finally:
        smtplib.SMTP.login = real_login  # type: ignore[method-assign]
    assert inbox.auth == [mechanism]


@pytest.mark.parametrize("smtp", ["plain-auth"], indirect=True)
def test_auth_failure_is_a_notify_error(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    cfg = _cfg(port, tls="none", username=USER)
    with pytest.raises(NotifyError, match="rejected the login") as err:
        send(build_message(building(), cfg), cfg, password="wrong")
    assert "wrong" not in str(err.value)
    assert inbox.messages == []


def test_unreachable_server_is_a_notify_error() -> None:
    cfg = _cfg(_free_port(), tls="none")
    with pytest.raises(NotifyError, match=r"cannot reach 127\.0\.0\.1"):
        send(build_message(building(), cfg), cfg)


def test_email_on_decisions() -> None:
    doc = building()
    acked_only = building([lts_camera().model_copy(update={"policy": lts_camera().policy.model_copy(
        update={"acknowledged": "replacement ordered"})})])  # fmt: skip
    same = diff_states(states_of(acked_only), states_of(acked_only))
    assert decide("findings", doc, None).send
    assert not decide("findings", acked_only, same).send  # acknowledged: no mail
    assert not decide("findings", clean_building(), None).send
    assert decide("always", clean_building(), same).send
    assert not decide("changes", acked_only, same).send
    grown = diff_states(states_of(clean_building()), states_of(acked_only))
    assert decide("changes", acked_only, grown).send
    assert "INCOMPLETE" in subject(doc.model_copy(update={"complete": False}), "[camscan]")


def _email_env(port: int, **extra: str) -> dict[str, str]:
    return {"CAMSCAN_EMAIL_TO": "security@example.org", "CAMSCAN_EMAIL_FROM": "camscan@example.org",
            "CAMSCAN_EMAIL_SMTP_HOST": "127.0.0.1", "CAMSCAN_EMAIL_SMTP_PORT": str(port),
            "CAMSCAN_EMAIL_TLS": "none", "CAMSCAN_EMAIL_TIMEOUT": "5", **extra}  # fmt: skip


@pytest.mark.parametrize("smtp", ["plain"], indirect=True)
def test_finish_sends_and_acknowledgement_silences(cli_env: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    db = str(cli_env / "h.db")
    doc = save(building([lts_camera()]), cli_env / "d.json")
    env = _email_env(port)
    sent = run_report(str(doc), "--db", db, "--email", env=env)
    assert sent.exit_code == 1
    assert len(inbox.messages) == 1
    confirmed = re.findall(r"camscan: mailed the report to 1 recipient \(([\d,]+) bytes\) via "
                           r"127\.0\.0\.1\n", sent.stderr)  # fmt: skip
    assert len(confirmed) == 1, sent.stderr
    received = len(inbox.messages[0].as_bytes())  # the server may re-fold a header line
    assert abs(int(confirmed[0].replace(",", "")) - received) < received // 100
    run_camscan("ack", "44:19:b6:12:34:56", "-r", "replacement ordered", "--db", db)
    assert run_report(str(doc), "--db", db, "--email", "-q", env=env).exit_code == 0
    assert len(inbox.messages) == 1  # nothing unacknowledged, nothing new: no mail
    quiet = run_report(str(doc), "--db", db, "--email", "--email-on", "always", "-q", env=env)
    assert quiet.exit_code == 0
    assert len(inbox.messages) == 2
    assert "mailed" not in quiet.stderr  # --quiet: cron mails only on problems


@pytest.mark.parametrize("smtp", ["plain-auth"], indirect=True)
def test_finish_auth_failure_exits_4_and_keeps_the_report(
    cli_env: Path, smtp: tuple[Inbox, int]
) -> None:
    _, port = smtp
    env = _email_env(port, CAMSCAN_EMAIL_USERNAME=USER, CAMSCAN_EMAIL_PASSWORD_ENV="PW", PW="bad")
    out = cli_env / "report.html"
    result = run_report(str(save(building(), cli_env / "d.json")), "--no-db", "--email",
                        "-o", str(out), env=env)  # fmt: skip
    assert result.exit_code == ExitCode.FINDINGS_NOTIFY_FAILED  # findings + no mail
    assert "rejected the login" in result.stderr
    assert "bad" not in result.stderr  # the password is never echoed
    assert "192.0.2.21" in out.read_text()


def test_finish_unreachable_exits_4_with_fallback_file(cli_env: Path) -> None:
    env = _email_env(_free_port())
    result = run_report(str(save(building(), cli_env / "d.json")), "--no-db", "--email", env=env)
    assert result.exit_code == ExitCode.FINDINGS_NOTIFY_FAILED  # findings + no mail
    saved = [line for line in result.stderr.splitlines() if "the report was saved to" in line]
    assert saved
    path = Path(saved[0].rsplit(" ", 1)[1])
    assert path.is_file()
    assert path.is_relative_to(cli_env)
    assert "192.0.2.21" in path.read_text()


def test_email_without_configuration_is_a_usage_error(cli_env: Path) -> None:
    result = run_report(str(save(building(), cli_env / "d.json")), "--no-db", "--email")
    assert result.exit_code == ExitCode.USAGE
    assert "--email needs [email] to, from, smtp_host" in result.stderr
