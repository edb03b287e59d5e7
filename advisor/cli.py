"""The `advisor` command. Thin: parse options, call the engine, render, choose the exit status.

`main(argv) -> int` is the single error boundary: bad input files never get here (they are
findings), configuration and usage mistakes exit 2 with one clear message, and anything
unexpected becomes one line on stderr and exit 2 rather than a traceback.
"""

from __future__ import annotations

import dataclasses
import difflib
import gc
import importlib
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from advisor import __version__
from advisor.errors import AdvisorError, InternalError, UsageError
from advisor.exitcodes import ExitCode

if TYPE_CHECKING:  # the engine and its dependencies are imported by the commands that run it
    from advisor.engine import Result
    from advisor.model import Endpoint
    from advisor.reporters import RenderOptions
    from advisor.settings import Settings

# `advisor --version` and `--help` import only click: the engine, jsonschema and
# libcst are imported inside the commands that use them (see `_reporter`).
FORMATS = ("github", "json", "sarif", "text")
SEVERITIES = ("error", "warning", "info")


def _reporter(name: str) -> Callable[[Result, RenderOptions], str]:
    """The renderer of one output format, importing that reporter alone (the JSON one pulls
    in the flowchart)."""
    module = importlib.import_module(f"advisor.reporters.{name}")
    render: Callable[[Result, RenderOptions], str] = module.render
    return render


def _selectors(values: Sequence[str]) -> tuple[str, ...]:
    """`--select ADV2,ADV101 --select ADV3` -> ("ADV2", "ADV101", "ADV3")."""
    return tuple(
        part.strip().upper() for value in values for part in value.split(",") if part.strip()
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advisor")
def cli() -> None:
    """Lint services that serve LLM output: stream, sync, batch or async job."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--select", multiple=True, metavar="CODES", help="Only these codes/prefixes (comma-separated)."
)
@click.option(
    "--extend-select",
    multiple=True,
    metavar="CODES",
    help="Codes/prefixes to add to the selection.",
)
@click.option("--ignore", multiple=True, metavar="CODES", help="Codes/prefixes to skip.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--output-file", "-o", type=click.Path(path_type=Path), help="Write the report here.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Lowest severity that fails the run (default from config, else warning).",
)
@click.option("--config", type=click.Path(path_type=Path), help="Configuration file to use.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary line.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of each finding.")
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Report only findings that this baseline file does not record.",
)
@click.option(
    "--write-baseline",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Record every current finding in FILE (then exit 0) instead of reporting them.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes for per-file analysis (default: the number of cores).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write .advisor_cache/.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes, then report what remains.")
@click.option(
    "--unsafe-fixes",
    is_flag=True,
    help="With --fix, --diff or --show-fixes: include fixes that may change behaviour.",
)
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; change no file.")
@click.option(
    "--show-fixes",
    is_flag=True,
    help="List the fixes applied (or available) and the fixable findings left, on stderr.",
)
def check(
    paths: tuple[Path, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    output_format: str,
    output_file: Path | None,
    exit_zero: bool,
    fail_on: str | None,
    config: Path | None,
    quiet: bool,
    statistics: bool,
    baseline: Path | None,
    write_baseline: Path | None,
    jobs: int | None,
    no_cache: bool,
    fix: bool = False,
    unsafe_fixes: bool = False,
    diff: bool = False,
    show_fixes: bool = False,
) -> int:
    """Lint PATHS (default: the current folder)."""
    from advisor.baseline import apply_baseline, load_baseline, render_baseline
    from advisor.config import load_settings
    from advisor.engine import analyze
    from advisor.model import Severity
    from advisor.reporters import RenderOptions

    targets = list(paths) or [Path()]
    settings = load_settings(targets, config).with_cli(
        select=_selectors(select) or None,
        extend_select=_selectors(extend_select),
        ignore=_selectors(ignore),
    )
    if fail_on:
        settings = dataclasses.replace(settings, fail_on=Severity(fail_on))
    known = load_baseline(baseline) if baseline is not None else None
    result = _analyze_with_progress(
        targets, settings, show=not quiet, jobs=jobs, cache=not no_cache
    )
    if write_baseline is not None:
        _emit(render_baseline(result), write_baseline, what="baseline")
        if not quiet:
            count = len(result.findings)
            click.echo(f"Wrote {count} finding{'' if count == 1 else 's'} to {write_baseline}.")
        return ExitCode.OK
    if known is not None:
        result = apply_baseline(result, known)
    if fix or diff or show_fixes:

        def again(overlay: Mapping[str, bytes]) -> Result:
            found = analyze(
                targets, settings=settings, jobs=jobs, cache=not no_cache, overlay=overlay
            )
            return apply_baseline(found, known) if known is not None else found

        result, diff_status = _fixes(result, again, fix, unsafe_fixes, diff, show_fixes, quiet)
        if diff:
            return diff_status
    options = RenderOptions(quiet=quiet, statistics=statistics)
    rendered = _reporter(output_format)(result, options)
    _emit(rendered, output_file)
    if exit_zero or not result.failing():
        return ExitCode.OK
    return ExitCode.FINDINGS


def _fixes(
    result: Result,
    analyse: Callable[[Mapping[str, bytes]], Result],
    fix: bool,
    unsafe: bool,
    diff: bool,
    show: bool,
    quiet: bool,
) -> tuple[Result, int]:
    """Fix (or show the fixes); the result is what remains. With --diff, the status is 1 when
    the diff is not empty, as for `ruff --diff` and `black --check`."""
    from advisor.fixes import command  # libcst is imported only when fixes are asked for

    write = fix and not diff
    report = command.run(result, analyse, write=write, unsafe=unsafe, diff=diff)
    if diff:
        click.echo(report.diff, nl=False)
    for line in command.failure_lines(report):
        click.echo(line, err=True)
    if show:
        for line in command.show_fixes(report, write=write):
            click.echo(line, err=True)
    if not quiet and (fix or diff):
        for line in command.summary(report, write=write, unsafe=unsafe):
            click.echo(line, err=True)
    return report.result, ExitCode.FINDINGS if report.diff else ExitCode.OK


def _analyze_with_progress(
    targets: list[Path], settings: Settings, *, show: bool, jobs: int | None, cache: bool
) -> Result:
    """The analysis, with a progress bar on stderr when a person is watching it."""
    from advisor.engine import analyze
    from advisor.progress import ProgressBar, wanted

    stream = sys.stderr
    if not show or not wanted(stream):
        return analyze(targets, settings=settings, jobs=jobs, cache=cache)
    bar = ProgressBar(stream)
    try:
        return analyze(targets, settings=settings, jobs=jobs, cache=cache, progress=bar)
    finally:
        bar.close()


def _emit(text: str, output_file: Path | None, *, what: str = "report") -> None:
    if output_file is None:
        click.echo(text, nl=False)
        return
    try:
        output_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = output_file.with_name(f".{output_file.name}.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(output_file)
    except OSError as exc:
        raise UsageError(f"{output_file}: cannot write {what}: {exc.strerror or exc}") from exc


@cli.command("report")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "html", "json"]),
    default="markdown",
    show_default=True,
)
@click.option("--output-file", "-o", type=click.Path(path_type=Path), help="Write it here.")
@click.option("--config", type=click.Path(path_type=Path), help="Configuration file to use.")
def report_command(
    paths: tuple[Path, ...], output_format: str, output_file: Path | None, config: Path | None
) -> int:
    """Write the design-review report of PATHS: every endpoint, its flowchart path and verdict,
    the estimates, and the findings grouped by rule."""
    from advisor.config import load_settings
    from advisor.engine import analyze
    from advisor.reporters import RenderOptions, report

    targets = list(paths) or [Path()]
    result = analyze(targets, settings=load_settings(targets, config))
    renderers = {
        "markdown": report.render_markdown,
        "html": report.render_html,
        "json": report.render_json,
    }
    _emit(renderers[output_format](result, RenderOptions()), output_file)
    return ExitCode.OK


@cli.command("endpoints")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--config", type=click.Path(path_type=Path), help="Configuration file to use.")
def endpoints_command(paths: tuple[Path, ...], output_format: str, config: Path | None) -> int:
    """List the endpoints of PATHS (spec operations and code routes, joined) with what each
    does today and the flowchart's verdict."""
    from advisor.config import load_settings
    from advisor.engine import analyze
    from advisor.reporters import RenderOptions
    from advisor.reporters.endpoints import endpoint_dict, inventory_text

    targets = list(paths) or [Path()]
    result = analyze(targets, settings=load_settings(targets, config))
    options = RenderOptions()
    if output_format == "json":
        documents = [endpoint_dict(result, e, options) for e in result.endpoints]
        click.echo(json.dumps(documents, indent=2, ensure_ascii=False))
    else:
        click.echo(inventory_text(result, options), nl=False)
    return ExitCode.OK


HTTP_METHODS = frozenset(
    {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "QUERY", "ANY"}
)


@cli.command("explain")
@click.argument("arguments", nargs=-1, required=True, metavar="ENDPOINT [PATHS]...")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--config", type=click.Path(path_type=Path), help="Configuration file to use.")
def explain_command(arguments: tuple[str, ...], output_format: str, config: Path | None) -> int:
    """Walk one endpoint through the flowchart, question by question, with the evidence.

    ENDPOINT is `METHOD PATH` (`POST /v1/chat`, as one argument or two), a handler's dotted
    name (`app.routes.chat.chat`, or its last parts), or an operationId. PATHS are what to
    analyse (default: the current folder).
    """
    from advisor.config import load_settings
    from advisor.engine import analyze
    from advisor.reporters import RenderOptions
    from advisor.reporters.endpoints import endpoint_dict, explain_text

    wanted, rest = _endpoint_argument(arguments)
    targets = [Path(p) for p in rest] or [Path()]
    result = analyze(targets, settings=load_settings(targets, config))
    matches = find_endpoints(result.endpoints, wanted)
    if not matches:
        known = [e.label for e in result.endpoints]
        close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        count = f"{len(known)} endpoints found" if known else "no endpoints found"
        raise UsageError(f"no endpoint matches {wanted!r} ({count}){hint}")
    options = RenderOptions()
    if output_format == "json":
        documents = [endpoint_dict(result, e, options) for e in matches]
        click.echo(json.dumps(documents, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(explain_text(result, e, options) for e in matches), nl=False)
    return ExitCode.OK


def _endpoint_argument(arguments: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """(`POST /chat`, paths) from `POST /chat src/` or `"POST /chat" src/` or `app.chat src/`."""
    first = arguments[0]
    if first.upper() in HTTP_METHODS and len(arguments) > 1:
        return f"{first.upper()} {arguments[1]}", arguments[2:]
    return first, arguments[1:]


def find_endpoints(endpoints: Sequence[Endpoint], wanted: str) -> list[Endpoint]:
    """Endpoints named by `METHOD PATH` (parameters and a trailing slash normalised, and a path
    suffix when that is unambiguous), by a handler's dotted name or its tail, or operationId."""
    from advisor.routing import normalize_path

    method, _, path = wanted.strip().partition(" ")
    if path.strip().startswith("/") and method.upper() in HTTP_METHODS:
        key = normalize_path(path.strip())
        exact = [
            e
            for e in endpoints
            if e.path is not None
            and normalize_path(e.path) == key
            and method.upper() in (e.method, "ANY")
        ]
        if exact:
            return exact
        tail = [
            e
            for e in endpoints
            if e.path is not None
            and normalize_path(e.path).endswith(key)
            and method.upper() in (e.method, "ANY")
        ]
        return tail if len(tail) == 1 else []
    name = wanted.strip()
    return [
        e
        for e in endpoints
        if (e.handler and (e.handler == name or e.handler.endswith("." + name)))
        or e.operation_id == name
    ]


@cli.command("rules")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.option("--config", type=click.Path(path_type=Path), help="Configuration file to use.")
def rules_command(output_format: str, config: Path | None) -> int:
    """List every rule: code, name, severity, summary."""
    from advisor.config import load_settings
    from advisor.engine import catalog_for

    catalog = catalog_for(load_settings([Path()], config))
    if output_format == "json":
        rows = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "summary": r.summary,
                "builtin": r.builtin,
            }
            for r in catalog.rules
        ]
        click.echo(json.dumps(rows, indent=2))
        return ExitCode.OK
    width = max((len(r.name) for r in catalog.rules), default=0)
    for rule in catalog.rules:
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.severity.value:<7}  {rule.summary}")
    return ExitCode.OK


@cli.command("rule")
@click.argument("code")
@click.option("--config", type=click.Path(path_type=Path), help="Configuration file to use.")
def rule_command(code: str, config: Path | None) -> int:
    """Show the full documentation of one rule (by code or name)."""
    from advisor.config import load_settings
    from advisor.engine import catalog_for
    from advisor.policy.docs import rule_markdown

    catalog = catalog_for(load_settings([Path()], config))
    rule = catalog.get(code)
    if rule is None:
        raise UsageError(f"unknown rule '{code}' (see `advisor rules`)")
    click.echo(rule_markdown(rule), nl=False)
    return ExitCode.OK


@cli.command("facts")
def facts_command() -> int:
    """List the fact kinds and fields that rule files can test."""
    from advisor.policy.docs import facts_markdown

    click.echo(facts_markdown(), nl=False)
    return ExitCode.OK


@cli.command("test-rules")
@click.option("--config", type=click.Path(path_type=Path), help="Configuration file to use.")
@click.option("--builtin/--no-builtin", default=False, help="Also test the built-in rules.")
def test_rules_command(config: Path | None, builtin: bool) -> int:
    """Run the bad/good examples of your own rule files (rule-dirs), as the test suite does."""
    from advisor.config import load_settings
    from advisor.engine import catalog_for
    from advisor.policy.selftest import check_examples

    catalog = catalog_for(load_settings([Path()], config))
    rules = [r for r in catalog.rules if builtin or not r.builtin]
    failures = 0
    for rule in rules:
        problems = check_examples(rule, catalog)
        status = "ok" if not problems else "FAILED"
        click.echo(f"{rule.code} {rule.name}: {status}")
        for problem in problems:
            click.echo(f"  {problem}")
        failures += bool(problems)
    click.echo(f"{len(rules) - failures} passed, {failures} failed.")
    return ExitCode.FINDINGS if failures else ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; never raises, always returns an exit status."""
    try:
        status = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="advisor",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return ExitCode.ERROR
    except click.exceptions.Abort:
        click.echo("advisor: aborted", err=True)
        return ExitCode.ERROR
    except AdvisorError as exc:
        for line in str(exc).splitlines():
            click.echo(f"advisor: error: {line}", err=True)
        return ExitCode.ERROR
    except BrokenPipeError:
        _silence_stdout()
        return ExitCode.ERROR
    except Exception as exc:  # the error boundary: one line, never a traceback
        if os.environ.get("ADVISOR_DEBUG"):
            raise
        what = str(exc) if isinstance(exc, InternalError) else f"{type(exc).__name__}: {exc}"
        click.echo(
            f"advisor: internal error: {what} "
            "(set ADVISOR_DEBUG=1 for a traceback; please report it)",
            err=True,
        )
        return ExitCode.ERROR
    return int(status) if isinstance(status, int) else ExitCode.OK


def _silence_stdout() -> None:
    """After a closed pipe (`advisor check | head`), keep Python from complaining at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def entry_point() -> None:
    """The `advisor` command: one short process, so the cyclic garbage collector stays off
    (the analysis pauses it anyway: advisor/collector.py), and the process ends without the
    interpreter's teardown, as mypy's does. On litellm's tree the collector's first pass once
    the analysis had returned, over everything it built, took 0.4 s before a line was printed,
    and freeing it all at exit 0.2 s more."""
    gc.disable()
    status = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe: nothing more can be said
        _silence_stdout()
    os._exit(status)
