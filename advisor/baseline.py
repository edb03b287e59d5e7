"""Baseline files: adopt the advisor in old code by recording today's findings, then report only
new ones (`--write-baseline FILE`, `--baseline FILE`).

The file holds each finding's fingerprint (advisor/fingerprints.py), which does not depend on
line numbers, so unrelated edits that shift code up or down keep old findings baselined while a
changed or new offending line is reported. Next to each fingerprint the file keeps the code,
path, place and message, for people reading the file in a review; only the fingerprint is
matched. The shape is `advisor/schemas/baseline.schema.json`.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from advisor import __version__
from advisor.engine import Result
from advisor.errors import UsageError
from advisor.fingerprints import VERSION, context
from advisor.resources import validator

SCHEMA_VERSION = 1


def baseline_document(result: Result) -> dict[str, Any]:
    entries = [
        {
            "fingerprint": result.fingerprint(finding),
            "code": finding.code,
            "path": finding.location.path,
            "context": context(finding.evidence) or None,
            "message": finding.message,
        }
        for finding in result.findings
    ]
    entries.sort(key=lambda e: (e["path"], e["code"], e["context"] or "", e["fingerprint"]))
    return {
        "schema_version": SCHEMA_VERSION,
        "fingerprint_version": VERSION,
        "tool": {"name": "endpoint-advisor", "version": __version__},
        "findings": entries,
    }


def render_baseline(result: Result) -> str:
    return json.dumps(baseline_document(result), indent=2, ensure_ascii=False) + "\n"


def load_baseline(path: Path) -> frozenset[str]:
    """The fingerprints a baseline file records; a usage error names the file otherwise."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"{path}: baseline file not found (write one with --write-baseline)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read baseline: {exc}") from exc
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path}: baseline is not valid JSON: {exc}") from exc
    errors = list(validator("baseline.schema.json").iter_errors(document))
    if errors:
        import jsonschema

        best = jsonschema.exceptions.best_match(errors)
        assert best is not None
        where = "/".join(str(p) for p in best.absolute_path) or "top level"
        raise UsageError(f"{path}: not a baseline file ({where}: {best.message})")
    if document["fingerprint_version"] != VERSION:
        raise UsageError(
            f"{path}: baseline fingerprints are {document['fingerprint_version']}, this advisor "
            f"makes {VERSION}; write the baseline again with --write-baseline"
        )
    return frozenset(entry["fingerprint"] for entry in document["findings"])


def apply_baseline(result: Result, known: frozenset[str]) -> Result:
    """The result without the findings the baseline records (counted in `baselined`)."""
    kept = tuple(f for f in result.findings if result.fingerprint(f) not in known)
    return dataclasses.replace(
        result,
        findings=kept,
        baselined=result.baselined + len(result.findings) - len(kept),
        fingerprints={f: result.fingerprint(f) for f in kept},
    )
