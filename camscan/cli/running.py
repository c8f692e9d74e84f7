"""Running the engine from the CLI: a rich progress view on stderr, and SIGINT/SIGTERM
turned into the engine's clean stop (the partial document is still reported, exit 130)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from camscan.cli.common import safe
from camscan.engine import Progress, ScanSettings, run_scan
from camscan.models import ScanDocument


class ProgressView:
    """Renders engine progress with rich on stderr (only used on a terminal)."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from camscan.cli.common import console

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[note]}"),
            console=console(stderr=True),
            transient=True,
        )
        self.tasks: dict[str, Any] = {}

    def __call__(self, event: Progress) -> None:
        if event.phase == "done":
            return
        task = self.tasks.get(event.phase)
        if task is None:
            task = self.progress.add_task(event.phase, total=event.total or None, note="")
            self.tasks[event.phase] = task
        self.progress.update(
            task, completed=event.done, total=event.total or None, note=safe(event.message, 60)
        )


async def run_with_signals(settings: ScanSettings, observer: Any) -> ScanDocument:
    """Run the engine with SIGINT/SIGTERM turned into a clean stop (exit 130 either way)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        stop.set()
        # A second Ctrl-C should not wait for the clean stop: default handling from now on.
        for other in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(other)

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, on_signal)
    try:
        doc = await run_scan(settings, observer, stop)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)
    return doc
