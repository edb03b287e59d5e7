"""Machine-readable findings; the shape is `advisor/schemas/output.schema.json` (versioned)."""

from __future__ import annotations

import json
from typing import Any

from advisor import __version__
from advisor.engine import Result
from advisor.model import Severity
from advisor.reporters import RenderOptions, display_path
from advisor.reporters.endpoints import endpoint_dict

SCHEMA_VERSION = 1


def render(result: Result, options: RenderOptions) -> str:
    document = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "endpoint-advisor", "version": __version__},
        "findings": [finding_dict(result, f, options) for f in result.findings],
        "endpoints": [endpoint_dict(result, e, options) for e in result.endpoints],
        "summary": {
            "files": len(result.files),
            "findings": len(result.findings),
            "by_severity": {s.value: result.count(s) for s in Severity},
            "fail_on": result.settings.fail_on.value,
            "failing": len(result.failing()),
            "endpoints": len(result.endpoints),
            "needs_review": len(result.needs_review()),
            "baselined": result.baselined,
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def finding_dict(result: Result, finding: Any, options: RenderOptions) -> dict[str, Any]:
    loc = finding.location
    evidence = finding.evidence
    return {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "fix_title": finding.fix_title,
        "path": display_path(result, loc.path, options),
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "snippet": evidence.snippet,
        "function": evidence.function,
        "pointer": evidence.pointer,
        "trail": [
            {
                "name": hop.name,
                "path": display_path(result, hop.path, options) if hop.path else None,
                "line": hop.line,
            }
            for hop in evidence.trail
        ],
        "fingerprint": result.fingerprint(finding),
    }
