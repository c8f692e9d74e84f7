"""Exports of the estate (:class:`camscan.estate.Estate`) for other tools: CSV tables, the
removal worklist and a CycloneDX hardware BOM. HTML and Markdown live in :mod:`camscan.report`."""
