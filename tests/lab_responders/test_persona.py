"""The persona model: shorthand forms, MAC derivation, and clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from camscan.lab.persona import Header, Persona, PersonaError, expand, load_persona

PERSONAS = Path(__file__).parent / "personas"


@pytest.mark.parametrize("path", sorted(PERSONAS.glob("*.yaml")), ids=lambda p: p.stem)
def test_test_personas_load(path: Path) -> None:
    persona = load_persona(path)
    assert persona.id.startswith("test-")


def test_header_forms_and_order_are_kept() -> None:
    p = load_persona(PERSONAS / "dahua-ipc.yaml")
    assert p.http is not None
    names = [h.name for h in p.http.default_headers]
    assert names == ["CONNECTION", "CONTENT-LENGTH", "CONTENT-TYPE"]
    assert Header.model_validate(["X-A", "1"]) == Header(name="X-A", value="1")
    assert Header.model_validate("Server: a: b") == Header(name="Server", value="a: b")
    with pytest.raises(ValueError, match="Name: value"):
        Header.model_validate("no colon here")


def test_mac_sources() -> None:
    hik = Persona(id="a", oui="68-6D-BC")
    assert hik.resolved_mac().startswith("68:6d:bc:")
    assert hik.resolved_mac() == Persona(id="a", oui="68:6d:bc").resolved_mac()
    assert hik.resolved_mac("1") != hik.resolved_mac("2")
    local = Persona(id="phone", locally_administered=True).resolved_mac()
    assert int(local[:2], 16) & 0x03 == 0x02  # locally administered, unicast
    assert Persona(id="x", mac="AA-BB-CC-DD-EE-0F").resolved_mac() == "aa:bb:cc:dd:ee:0f"
    with pytest.raises(ValueError, match="at most one"):
        Persona(id="x", mac="aa:bb:cc:dd:ee:ff", oui="aa:bb:cc")


def test_expand_leaves_unknown_braces() -> None:
    assert expand("{address}/{x}/{{", {"address": "192.0.2.1"}) == "192.0.2.1/{x}/{{"


def test_bad_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: ok\nhttp: {port: 99999}\n")
    with pytest.raises(PersonaError, match=r"bad\.yaml"):
        load_persona(bad)
    missing = tmp_path / "m.yaml"
    missing.write_text("id: ok\nhttp: {routes: [{path: /f, body: {file: nope.ico}}]}\n")
    with pytest.raises(PersonaError, match="does not exist"):
        load_persona(missing)
    bad.write_text("- a list\n")
    with pytest.raises(PersonaError, match="mapping"):
        load_persona(bad)


def test_example_lab_personas_load() -> None:
    """The lab's real persona set (examples/lab, written by another engineer) fits the model."""
    examples = Path(__file__).resolve().parents[2] / "examples" / "lab" / "personas"
    files = sorted(examples.glob("*.yaml"))
    if not files:
        pytest.skip("no examples/lab/personas in this checkout")
    for path in files:
        assert load_persona(path).id


def test_tcp_port_collisions_are_named() -> None:
    clash = Persona.model_validate({"id": "x", "http": {}, "banners": {80: {"text": "hi"}}})
    with pytest.raises(ValueError, match="TCP port 80 used by both http and banner 80"):
        clash.check_tcp_ports()
    with pytest.raises(ValueError, match="both http and rtsp"):
        Persona.model_validate({"id": "x", "http": {"port": 554}, "rtsp": {}}).check_tcp_ports()
    shared = {"manufacturer": "A", "model": "B", "port": 80}
    ok = Persona.model_validate({"id": "x", "http": {}, "onvif": shared})  # shares the web port
    ok.check_tcp_ports()
