"""nmap habits on `camscan scan`: accept the options that mean the same, refuse the rest clearly.

An auditor who knows nmap types ``-oN FILE``, ``-p 80,443`` or ``-e eth0`` by habit. Click
would read ``-oN`` as ``-o N`` (a report file named ``N``) and ``-oX x.xml`` as ``-o X`` plus a
target ``x.xml``. :func:`translate` rewrites the argument list before click parses it:

- options with camscan's meaning are renamed (``-p`` → ``--ports``, ``-e`` → ``--iface``,
  ``--max-rate`` → ``--rate``, ``-p-`` → all ports, ``-n`` dropped: camscan never does reverse
  DNS);
- every other nmap option raises :class:`NmapOptionError` naming camscan's equivalent, so a
  short option never swallows the rest of an nmap-style option.

Option names and meanings are nmap's (``nmap --help``, nmap.org/book/man-briefoptions.html).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

#: nmap options that take a value and mean the same in camscan: nmap name -> camscan name.
RENAMED_WITH_VALUE = {"-p": "--ports", "-e": "--iface", "--max-rate": "--rate"}

#: nmap options camscan refuses, with what to use instead.
REFUSED = {
    "-oN": "use -f text -o FILE",
    "-oX": "camscan writes no nmap XML; use -f json -o FILE",
    "-oG": "use -f csv -o FILE",
    "-oA": "use -f json -o FILE; `camscan identify FILE -f FMT` renders other formats",
    "-oS": "use -f text -o FILE",
    "-oJ": "use -f json -o FILE",
    "-sS": "camscan has no SYN scan; its TCP sweep connects (--methods tcp, --ports)",
    "-sT": "the TCP sweep is a connect scan: --methods tcp --ports LIST",
    "-sU": "UDP discovery runs by method: --methods wsd,mdns,ssdp,sadp,dhip",
    "-sV": "camscan always probes services read-only; choose probes with --probes",
    "-sC": "camscan runs its own probes; choose them with --probes",
    "-sn": "discovery without probes is --probes none",
    "-sP": "discovery without probes is --probes none",
    "-Pn": "camscan probes every address that answers any discovery method or the TCP sweep",
    "-PR": "ARP discovery is --methods arp",
    "-O": "camscan identifies devices from what they say, not from TCP/IP stack fingerprints",
    "-A": "camscan always runs discovery and every read-only probe",
    "-F": "use --ports LIST (the default is the camera port list)",
    "--top-ports": "use --ports LIST (the default is the camera port list)",
    "--script": "camscan runs its own probes; choose them with --probes",
    "--open": "every report lists only devices that answered",
    "--reason": "every report records each probe attempt with its status and reason",
    "--min-rate": "camscan only caps the rate: --rate N",
    "--max-retries": "use --timeout S and --host-timeout S",
    "-iR": "camscan never picks random targets; give TARGETS or -iL FILE",
    "-6": "camscan scans IPv4 targets only",
    "-S": "camscan sends from the interface the routing table picks (or --iface)",
}
for level in range(6):
    REFUSED[f"-T{level}"] = "use --rate N, --concurrency N and --per-host N"

#: -v, -vv, -vvv, -d, -dd: verbosity (nmap's meaning: more output on the terminal).
_VERBOSITY = re.compile(r"^-(v+|d+)$")


class NmapOptionError(ValueError):
    """An nmap option camscan does not take; the message names camscan's equivalent."""


def translate(args: Sequence[str], takes_value: Collection[str]) -> list[str]:
    """Rewrite nmap-style options in ``args`` to camscan's; raise on ones camscan refuses.

    ``takes_value`` holds the names of camscan's own options that consume the next argument,
    so an option's value (``--exclude -p``, unlikely as it is) is never rewritten. Arguments
    after ``--`` are left alone.

    Raises:
        NmapOptionError: an nmap option camscan has no meaning for, or a value is missing.
    """
    out: list[str] = []
    items = list(args)
    i = 0
    while i < len(items):
        arg = items[i]
        if arg == "--":
            out.extend(items[i:])
            break
        if arg in takes_value and "=" not in arg:
            out.extend(items[i : i + 2])
            i += 2
            continue
        if arg == "-n":
            i += 1
            continue
        if arg == "-p-":
            out += ["--ports", "1-65535"]
            i += 1
            continue
        if verbosity := _VERBOSITY.match(arg):
            letters = verbosity.group(1)
            flag = "--debug" if letters[0] == "d" or len(letters) > 1 else "--verbose"
            out.append(flag)
            i += 1
            continue
        renamed = _rename(arg, items[i + 1] if i + 1 < len(items) else None)
        if renamed is not None:
            out += renamed[0]
            i += renamed[1]
            continue
        _refuse(arg)
        out.append(arg)
        i += 1
    return out


def _rename(arg: str, following: str | None) -> tuple[list[str], int] | None:
    """``(new args, how many input args they replace)`` for a renamed option, else None."""
    name, eq, inline = arg.partition("=")
    if name in RENAMED_WITH_VALUE and (eq or name.startswith("--")):
        value = inline if eq else following
        if value is None:
            raise NmapOptionError(f"{name} needs a value")
        return [RENAMED_WITH_VALUE[name], value], 1 if eq else 2
    for short in ("-p", "-e"):
        if arg == short:
            if following is None:
                raise NmapOptionError(f"{short} needs a value")
            return [RENAMED_WITH_VALUE[short], following], 2
        if arg.startswith(short) and len(arg) > 2 and not arg.startswith("--"):
            return [RENAMED_WITH_VALUE[short], arg[2:]], 1  # -p80,443 / -eeth0
    return None


def _refuse(arg: str) -> None:
    name = arg.split("=", 1)[0]
    hint = REFUSED.get(name)
    if hint is None and re.fullmatch(r"-o[A-Z]", name):
        hint = "use -f FORMAT -o FILE"
    if hint is None and re.fullmatch(r"-(s[A-Z]|P[A-Z]|T\d)", name):
        hint = "camscan has no such scan type; see `camscan scan --help`"
    if hint:
        raise NmapOptionError(f"{name} is an nmap option camscan does not take: {hint}")
