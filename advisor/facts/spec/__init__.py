"""Detectors over OpenAPI / Swagger documents: one analysis unit is an entry spec and every
file it references (read from inside the project root only)."""

from __future__ import annotations

from advisor.facts.spec.documents import FileReader, SpecFiles
from advisor.model import Fact, Suppression
from advisor.read.spec import SpecDocument
from advisor.records import record


@record
class SpecAnalysis:
    facts: tuple[Fact, ...]
    suppressions: tuple[Suppression, ...]
    files: tuple[str, ...]
    """Every file the analysis read (the entry first): what its result depends on."""


def analyze_spec(path: str, document: SpecDocument, read: FileReader) -> SpecAnalysis:
    # Imported here: `documents` (the root-confined reader) is imported by every run, the
    # resolver (jsonschema's `referencing`) only by one that finds a spec.
    from advisor.facts.spec.operations import read_operations
    from advisor.facts.spec.ref_scan import scan_refs
    from advisor.facts.spec.resolver import Resolver

    files = SpecFiles(read)
    files.add(path, document)
    resolver = Resolver(files)
    readout = read_operations(path, document, files, resolver)
    problems = scan_refs(path, files, resolver)
    facts: list[Fact] = [*readout.operations, *problems, *readout.problems]
    loaded = [path, *sorted(p for p in files.loaded if p != path)]
    return SpecAnalysis(tuple(facts), tuple(readout.suppressions), tuple(loaded))
