"""The pipeline, end to end: discover -> read -> facts -> policy -> findings.

`analyze()` is the Python API; the command line is a thin layer over it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from pathlib import Path

from advisor import collector, snapshot
from advisor.config import load_settings
from advisor.discover import discover, language_of
from advisor.errors import ConfigError
from advisor.findings import finalize, unused_suppressions
from advisor.fingerprints import fingerprint_table
from advisor.model import (
    Endpoint,
    FileSummary,
    Finding,
    Severity,
    UnusedSuppression,
)
from advisor.policy.catalog import Catalog, Rule, load_catalog
from advisor.policy.evaluate import evaluate, facts_by_kind
from advisor.policy.selection import check_selectors, selected_rules
from advisor.read.source import TextFailure, decode_python
from advisor.records import record
from advisor.settings import Settings


@record
class Result:
    findings: tuple[Finding, ...]
    files: tuple[str, ...]
    """Files that were analysed (Python modules and specs), relative to the root; the
    dependency manifests consulted for versions are in `summaries` only."""
    rules: tuple[Rule, ...]
    """Rules that ran."""
    settings: Settings
    endpoints: tuple[Endpoint, ...] = ()
    """Every endpoint of the inventory with its flowchart verdict."""
    baselined: int = 0
    """Findings left out because the baseline file (`--baseline`) records them."""
    fingerprints: Mapping[Finding, str] = field(default_factory=dict, compare=False)
    """Each finding's baseline fingerprint, computed over every finding of the run before a
    baseline left some out (a finding's occurrence index counts the ones left out too)."""
    load_summaries: Callable[[], tuple[FileSummary, ...]] = field(
        default=tuple, compare=False, repr=False
    )

    @functools.cached_property
    def summaries(self) -> tuple[FileSummary, ...]:
        """Per-file facts the findings were drawn from (for reports and `explain`). A run
        served from a project snapshot reads them from the cache only when asked."""
        return self.load_summaries()

    def needs_review(self) -> tuple[Endpoint, ...]:
        return tuple(e for e in self.endpoints if e.needs_review)

    def fingerprint(self, finding: Finding) -> str:
        """The stable identity of a finding (advisor/fingerprints.py): baseline, SARIF."""
        return self.fingerprints.get(finding) or self._own_fingerprints[finding]

    @functools.cached_property
    def _own_fingerprints(self) -> dict[Finding, str]:
        return fingerprint_table(self.findings)

    def failing(self) -> tuple[Finding, ...]:
        threshold = self.settings.fail_on.rank
        return tuple(f for f in self.findings if f.severity.rank >= threshold)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)


@collector.paused()
def analyze(
    paths: Sequence[str | Path] = (".",),
    *,
    settings: Settings | None = None,
    config: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = None,
    cache: bool = True,
    prefilter: bool = True,
    overlay: Mapping[str, bytes] | None = None,
) -> Result:
    """Lint `paths` with the configuration found from the first path (or `settings`).

    `progress(done, total)` is called as files are handled (the command line draws a bar with
    it); `jobs`: worker processes for the per-file stage (default: one per core); `cache`: reuse
    per-file results under `.advisor_cache/`; `prefilter`: skip files that cannot matter (off
    only to check that it changes nothing); `overlay`: the content of some files (by path
    relative to the root) instead of what is on disk, which `--fix` analyses before it writes.
    """
    from advisor.runner import summarize_sources

    resolved_paths = [Path(p) for p in paths] or [Path()]
    if settings is None:
        settings = load_settings(resolved_paths, config)
    # The rule files, read once: the cached catalog and the snapshot's context are keyed by them.
    rules = snapshot.rule_texts(settings.rule_dirs) if cache else None
    catalogs: list[Catalog] = []

    def build_catalog() -> None:
        catalogs.append(catalog_for(settings, rule_texts=rules))

    # A catalog that cannot fail is built while the workers read the files (40 ms of a cold
    # run's serial start); one that can is built first, so its error comes before any file is
    # read.
    if _catalog_may_fail(settings):
        build_catalog()
    sources = discover(resolved_paths, settings)
    project_context = (
        snapshot.context(settings, rules, prefilter=prefilter) if rules is not None else None
    )
    found = summarize_sources(
        sources,
        settings,
        jobs=jobs,
        use_cache=cache,
        prefilter=prefilter,
        progress=progress,
        overlay=overlay,
        context=project_context,
        meanwhile=None if catalogs else build_catalog,
    )
    (catalog,) = catalogs
    if found.served is not None:

        def load_summaries() -> tuple[FileSummary, ...]:
            again = summarize_sources(
                sources, settings, jobs=jobs, prefilter=prefilter, overlay=overlay
            )
            return again.summaries

        served = found.served
        if found.keys is not None and (found.keys, found.stats) != (served.keys, served.stats):
            _remember(
                dataclasses.replace(served, keys=found.keys, stats=found.stats or {}), settings
            )
        return _served(served.outcome, settings, catalog, load_summaries)
    result = _conclude(list(found.summaries), settings, catalog, found.skipped)
    if found.keys is not None and project_context is not None:
        outcome = snapshot.Outcome(
            result.findings, result.files, result.endpoints, dict(result.fingerprints)
        )
        last = snapshot.Snapshot(
            project_context,
            found.keys,
            frozenset(s.path for s in found.summaries),
            tuple(sorted({path for s in found.summaries for path in s.dependencies})),
            outcome,
            found.stats or {},
        )
        _remember(last, settings)
    return result


def _served(
    outcome: snapshot.Outcome,
    settings: Settings,
    catalog: Catalog,
    load_summaries: Callable[[], tuple[FileSummary, ...]],
) -> Result:
    return Result(
        findings=outcome.findings,
        files=outcome.files,
        rules=selected_rules(catalog, settings),
        settings=settings,
        endpoints=outcome.endpoints,
        fingerprints=outcome.fingerprints,
        load_summaries=load_summaries,
    )


def _remember(last: snapshot.Snapshot, settings: Settings) -> None:
    """Write the run's snapshot (advisor/snapshot.py) for the next run to serve."""
    from advisor.cache import Cache
    from advisor.runner import dependency_digests

    cache = Cache.open(settings.root)
    if cache is not None:
        snapshot.save(cache, last, dependency_digests(last.dependencies, settings))


def analyze_sources(
    sources: Mapping[str, bytes],
    settings: Settings,
    catalog: Catalog | None = None,
    *,
    prefilter: bool = True,
) -> Result:
    """Lint in-memory files (`{relative path: bytes}`): the rule examples' harness uses this,
    with the pre-filter on, as a run on disk has it."""
    from advisor.facts import module_name, summarize
    from advisor.facts.spec.documents import memory_reader
    from advisor.prefilter import Synchronous, analyse, scan

    catalog = catalog or catalog_for(settings)
    reader = memory_reader(dict(sources))
    languages = {path: language_of(Path(path)) for path in sorted(sources)}
    found: dict[str, FileSummary | None] = {}

    def run(paths: Sequence[str]) -> dict[str, FileSummary | None]:
        return {
            path: summarize(path, languages[path] or "", sources[path], settings, read=reader)
            for path in paths
        }

    python = [p for p, language in languages.items() if language == "python"]
    if prefilter:
        scans = {}
        for path in python:
            module = module_name(path)
            package = module if path.endswith("__init__.py") else None
            scans[path] = (module, scan(module, sources[path], package=package))
        found.update(analyse(scans, Synchronous(run)))
        for path in python:
            if path not in found and isinstance(decode_python(sources[path]), TextFailure):
                found.update(run([path]))  # undecodable bytes are reported in any file
    else:
        found.update(run(python))
    found.update(run([p for p, language in languages.items() if language not in (None, "python")]))
    summaries = [s for path in sorted(found) if (s := found[path]) is not None]
    skipped = [p for p in python if p not in found]
    return _conclude(summaries, settings, catalog, skipped)


def catalog_for(settings: Settings, *, rule_texts: Sequence[bytes] | None = None) -> Catalog:
    """The rule catalog of the settings. With the rule files' `rule_texts`
    (`snapshot.rule_texts`): read from (and kept in) the project's cache, by those contents and
    the build (parsing the rule files' YAML was a tenth of a run served from the snapshot)."""
    catalog = (
        _cached_catalog(settings, rule_texts)
        if rule_texts is not None
        else load_catalog(settings.rule_dirs)
    )
    unknown = [code for code, _ in settings.severity_overrides if catalog.get(code) is None]
    if unknown:
        raise ConfigError(f"severity: unknown rule code {', '.join(unknown)}")
    for pattern, codes in settings.per_file_ignores:
        check_selectors(codes, catalog, f"per-file-ignores '{pattern}'")
    return catalog


def _catalog_may_fail(settings: Settings) -> bool:
    """Whether `catalog_for` can raise: rule files of the user's, or codes in the settings that
    it checks against the catalog (the built-in rules alone were validated at build time)."""
    return bool(settings.rule_dirs or settings.severity_overrides or settings.per_file_ignores)


def _cached_catalog(settings: Settings, rule_texts: Sequence[bytes]) -> Catalog:
    from advisor.cache import Cache, Entry, digest, fingerprint

    cache = Cache.open(settings.root)
    if cache is None:
        return load_catalog(settings.rule_dirs)
    texts = b"\0\0".join(rule_texts)
    where = f"catalog\0{fingerprint()}\0{[str(d) for d in settings.rule_dirs]}\0".encode()
    key = digest(where + texts)
    found = cache.get(key, lambda _: None)
    if found is not None and isinstance(found.value, Catalog):
        return found.value
    catalog = load_catalog(settings.rule_dirs)
    cache.put(Entry(key, catalog))
    return catalog


def _conclude(
    summaries: list[FileSummary],
    settings: Settings,
    catalog: Catalog,
    skipped: Sequence[str] = (),
) -> Result:
    # The facts, project and flowchart stages are imported here: a run
    # served from a snapshot never gets this far.
    from advisor.flowchart import decide_endpoints
    from advisor.project import build_project

    rules = selected_rules(catalog, settings)
    project = build_project(summaries)
    endpoints = decide_endpoints(project, settings)
    facts = facts_by_kind([*project.facts, *endpoints])
    auditors = [r for r in rules if UnusedSuppression.kind in r.fact_kinds]
    if not auditors:
        findings = finalize(evaluate(rules, facts), summaries, settings)
    else:
        # Whether a suppression is used depends on every rule, selected or not: run them all,
        # report the selected ones, then judge the suppressions against all their findings.
        raw = evaluate(catalog.rules, facts)
        findings = finalize(raw, summaries, settings, only_codes={r.code for r in rules})
        unused = unused_suppressions(
            raw, summaries, known=catalog.codes, exempt={r.code for r in auditors}
        )
        audit = evaluate(auditors, {UnusedSuppression.kind: list(unused)})
        findings += finalize(audit, summaries, settings, suppressible=False)
        findings.sort(key=lambda f: f.sort_key)
    return Result(
        findings=tuple(findings),
        # Manifests are consulted for versions, not linted: they are not counted as analysed.
        # Files the pre-filter skipped were checked too: nothing in them can matter.
        files=tuple(sorted([*(s.path for s in summaries if s.language != "manifest"), *skipped])),
        rules=rules,
        settings=settings,
        endpoints=endpoints,
        fingerprints=fingerprint_table(findings),
        load_summaries=lambda: tuple(summaries),
    )
