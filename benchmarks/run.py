"""Benchmark the advisor against its peers on the same inputs, in one run.

    python benchmarks/run.py [--repeat 5] [--work DIR] [--only NAME ...] [--equivalence]

Inputs are prepared through the package registries only: the installed source trees of
openai, litellm and vllm from PyPI (their wheels, `pip download --only-binary :all:`), the
standard library of the running Python, and the specs of ../shared/corpus/ (or `--corpus`).
The advisor is this checkout, pip-installed (not editable) into the work folder as a user
installs it. Peers: semgrep with a small local rule (pip-installed into the work folder), and
Spectral and Redocly with a small ruleset (npm-installed into the work folder; skipped with a
note when npm is missing).

For each input it prints the median wall time of the advisor cold (empty cache), warm (the
cache filled) and after touching one file (a comment appended to the largest file, which is
summarized again, and to a file of median size), each peer's time (its runs take turns with
the advisor's cold runs), the ratios, and the peak memory (the largest process of each run's
process tree). `--equivalence` also checks, for every source
tree, that the pre-filter changes no finding and no endpoint (filtered vs full run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PACKAGES = ("openai", "litellm", "vllm")
SPECS = ("github-api.yaml", "openai-openapi.yaml", "stripe-spec3.yaml")
SEMGREP_RULE = textwrap.dedent(
    """\
    rules:
      - id: openai-stream
        languages: [python]
        severity: WARNING
        message: a streamed chat completion
        pattern: $CLIENT.chat.completions.create(..., stream=True, ...)
    """
)
SPECTRAL_RULESET = textwrap.dedent(
    """\
    rules:
      operation-operationId:
        given: "$.paths[*][get,put,post,delete,options,head,patch,trace]"
        then: {field: operationId, function: truthy}
        severity: warn
      sse-media-type:
        given: "$.paths[*][*].responses[*].content"
        then: {field: "text/event-stream", function: falsy}
        severity: info
    """
)
REDOCLY_CONFIG = textwrap.dedent(
    """\
    rules:
      operation-operationId: warn
      operation-summary: warn
    """
)
PEAK = (
    "import resource, subprocess, sys, time; "
    "start = time.perf_counter(); "
    "code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
    "elapsed = time.perf_counter() - start; "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code, elapsed)"
)
"""Runs a command and prints its peak memory (the largest process of its tree), its exit status
and its wall time (measured here, so that starting this wrapper's Python is not counted)."""


@dataclass
class Timing:
    times: list[float] = field(default_factory=list)
    peak_kb: int = 0

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    def text(self) -> str:
        if not self.times:
            return "-"
        return f"{self.median:.2f} s ({self.peak_kb / 1024:.0f} MB)"


# Every tool runs as it would once installed: with its bytecode compiled (pip compiles it at
# install time; an environment that sets PYTHONDONTWRITEBYTECODE would make each run recompile
# every module, for the Python tools only).
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(command: list[str], repeat: int, before: object = None) -> Timing:
    """Median wall time and peak memory of `command` (each run in a fresh process tree), after
    one run that is not counted (bytecode written, files in the page cache)."""
    return measure_in_turns([(command, before)], repeat)[0]


def measure_in_turns(runs: list[tuple[list[str], object]], repeat: int) -> list[Timing]:
    """`measure` for several commands (each with what to do before each of its runs), taking
    turns: one run of each, `repeat` times. The machine's speed drifts over minutes; measured
    one after the other, a tool and its peer met different machines and their ratio moved by a
    tenth or more from one run of the script to the next."""
    for command, _ in runs:
        subprocess.run(command, capture_output=True, check=False, env=ENVIRONMENT)
    timings = [Timing() for _ in runs]
    for _ in range(repeat):
        for (command, before), timing in zip(runs, timings, strict=True):
            if callable(before):
                before()
            out = subprocess.run(
                [sys.executable, "-c", PEAK, *command],
                capture_output=True,
                text=True,
                check=False,
                env=ENVIRONMENT,
            ).stdout.split()
            if len(out) == 3:
                timing.peak_kb = max(timing.peak_kb, int(out[0]))
                timing.times.append(float(out[2]))
    return timings


def prepare_packages(work: Path, names: list[str]) -> dict[str, Path]:
    """Source trees of PyPI packages, from their wheels (what `pip install` would unpack)."""
    trees = {}
    downloads = work / "downloads"
    downloads.mkdir(exist_ok=True)
    for name in names:
        target = work / "trees" / name
        if not target.exists():
            # Wheels, not source distributions: downloading an sdist makes pip build its
            # metadata, which for vllm means its whole build toolchain. A wheel is a zip of the
            # installed source tree, which is what a linter reads.
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary",
                 ":all:", name, "-d", str(downloads / name)],
                check=True,
            )  # fmt: skip
            (archive,) = list((downloads / name).iterdir())
            target.mkdir(parents=True)
            if archive.name.endswith((".zip", ".whl")):
                with zipfile.ZipFile(archive) as zipped:
                    zipped.extractall(target)
            else:
                with tarfile.open(archive) as tarred:
                    tarred.extractall(target, filter="data")
        folders = [p for p in target.iterdir() if p.is_dir()]
        # An sdist unpacks into one folder; a wheel into the package and its dist-info.
        trees[name] = folders[0] if len(folders) == 1 else target
    return trees


def prepare_stdlib(work: Path) -> Path:
    """The standard library of this Python (without site-packages): no LLM code at all."""
    target = work / "trees" / "cpython-stdlib"
    if not target.exists():
        source = Path(sysconfig.get_paths()["stdlib"])
        shutil.copytree(
            source, target, ignore=shutil.ignore_patterns("site-packages", "__pycache__")
        )
    return target


def install_semgrep(work: Path) -> list[str] | None:
    found = shutil.which("semgrep")
    if found:
        return [found]
    venv = work / "semgrep-venv"
    binary = venv / "bin" / "semgrep"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        result = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "semgrep"], check=False
        )
        if result.returncode != 0:
            return None
    return [str(binary)]


def install_npm_tools(work: Path) -> dict[str, list[str]]:
    npm = shutil.which("npm")
    if npm is None:
        print("note: npm is missing; Spectral and Redocly are skipped")
        return {}
    prefix = work / "npm"
    bin_dir = prefix / "node_modules" / ".bin"
    if not (bin_dir / "spectral").exists() or not (bin_dir / "redocly").exists():
        result = subprocess.run(
            [npm, "install", "--silent", "--prefix", str(prefix),
             "@stoplight/spectral-cli", "@redocly/cli"],
            check=False,
        )  # fmt: skip
        if result.returncode != 0:
            print("note: npm install failed; Spectral and Redocly are skipped")
            return {}
    (work / "spectral.yaml").write_text(SPECTRAL_RULESET, encoding="utf-8")
    (work / "redocly.yaml").write_text(REDOCLY_CONFIG, encoding="utf-8")
    return {
        "spectral": [str(bin_dir / "spectral"), "lint", "-q", "-r", str(work / "spectral.yaml")],
        "redocly": [str(bin_dir / "redocly"), "lint", "--config", str(work / "redocly.yaml")],
    }


def install_advisor(work: Path) -> list[str]:
    """The advisor of this checkout, pip-installed (not editable) into the work folder, as a
    user installs it and as semgrep is: an editable install imports its path finder (pathlib,
    urllib and more) at every start, 35 ms of each run. Falls back on the running Python's."""
    venv = work / "advisor-venv"
    binary = venv / "bin" / "advisor"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        result = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", str(REPO)], check=False
        )
    else:  # this checkout's code now; the dependencies are there
        result = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--force-reinstall",
             str(REPO)],
            check=False,
        )  # fmt: skip
    if result.returncode == 0 and binary.exists():
        return [str(binary)]
    print("note: the advisor could not be installed in the work folder; running this Python's")
    script = Path(sys.executable).parent / "advisor"
    return [str(script)] if script.exists() else [sys.executable, "-m", "advisor"]


def bench_tree(
    name: str,
    tree: Path,
    repeat: int,
    semgrep: list[str] | None,
    work: Path,
    command: list[str],
) -> list[str]:
    advisor = [*command, "check", "-q", "--exit-zero", str(tree)]
    cache = tree / ".advisor_cache"

    def clear() -> None:
        shutil.rmtree(cache, ignore_errors=True)

    peer_command = None
    if semgrep:
        rule = work / "semgrep-rule.yaml"
        rule.write_text(SEMGREP_RULE, encoding="utf-8")
        peer_command = [*semgrep, "scan", "--quiet", "--metrics=off", "--disable-version-check",
                        "--config", str(rule), str(tree)]  # fmt: skip
    cold, *peer = measure_in_turns(
        [(advisor, clear), *([(peer_command, None)] if peer_command else [])], repeat
    )
    warm = measure(advisor, repeat)
    by_size = sorted(tree.rglob("*.py"), key=lambda p: (-p.stat().st_size, str(p)))
    # the worst case (the largest file is summarized again) and a typical one (median size)
    touched = [touch_and_measure(advisor, repeat, by_size[i]) for i in (0, len(by_size) // 2)]
    one_core = measure([*advisor[:2], "--jobs", "1", "--no-cache", *advisor[2:]], 1)
    row = [name, cold.text(), warm.text(), touched[0].text(), touched[1].text(), one_core.text()]
    if peer:
        row += [peer[0].text(), f"{cold.median / peer[0].median:.2f}"]
    else:
        row += ["-", "-"]
    return row


def touch_and_measure(command: list[str], repeat: int, path: Path) -> Timing:
    """Runs after appending a comment to `path` (another one before each run)."""
    original = path.read_bytes()
    counter = iter(range(10**6))

    def touch() -> None:
        path.write_bytes(original + f"\n# touched {next(counter)}\n".encode())

    try:
        return measure(command, repeat, before=touch)
    finally:
        path.write_bytes(original)


def bench_spec(
    name: str, spec: Path, repeat: int, peers: dict[str, list[str]], command: list[str]
) -> list[str]:
    folder = Path(tempfile.mkdtemp(prefix="spec-"))
    shutil.copy(spec, folder / spec.name)
    (folder / ".git").mkdir()
    advisor = [*command, "check", "-q", "--exit-zero", str(folder)]
    cache = folder / ".advisor_cache"
    names = [peer for peer in ("redocly", "spectral") if peer in peers]
    cold, *timings = measure_in_turns(
        [
            (advisor, lambda: shutil.rmtree(cache, ignore_errors=True)),
            *(([*peers[peer], str(folder / spec.name)], None) for peer in names),
        ],
        repeat,
    )
    warm = measure(advisor, repeat)
    row = [name, cold.text(), warm.text()]
    for peer in ("redocly", "spectral"):
        if peer in names:
            timing = timings[names.index(peer)]
            row += [timing.text(), f"{cold.median / timing.median:.2f}"]
        else:
            row += ["-", "-"]
    shutil.rmtree(folder, ignore_errors=True)
    return row


def equivalence(name: str, tree: Path) -> str:
    """Filtered and full runs of the advisor on one tree: same findings and endpoints?"""
    script = textwrap.dedent(
        """\
        import json, sys
        from pathlib import Path
        from advisor.engine import analyze
        root = Path(sys.argv[1])
        full = analyze([root], cache=False, prefilter=False)
        filtered = analyze([root], cache=False)
        analysed = {s.path for s in filtered.summaries}
        dropped = [f for f in full.findings
                   if f.code == "ADV001" and f.location.path not in analysed]
        same = (filtered.findings == tuple(f for f in full.findings if f not in dropped)
                and filtered.endpoints == full.endpoints and filtered.files == full.files)
        print(json.dumps({"same": same, "findings": len(filtered.findings),
                          "endpoints": len(filtered.endpoints), "analysed": len(analysed),
                          "files": len(filtered.files), "syntax_errors_skipped": len(dropped)}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tree)], capture_output=True, text=True, check=False
    )
    return f"{name}: {out.stdout.strip() or out.stderr.strip()[-300:]}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "advisor-bench")
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--only", nargs="*", help="input names to run (default: all)")
    parser.add_argument("--tree", action="append", type=Path, default=[],
                        help="an extra local source tree to include")  # fmt: skip
    parser.add_argument("--equivalence", action="store_true")
    args = parser.parse_args()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    wanted = set(args.only or [])

    def chosen(name: str) -> bool:
        return not wanted or name in wanted

    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; work: {work}")
    trees = prepare_packages(work, [n for n in PACKAGES if chosen(n)])
    if chosen("cpython-stdlib"):
        trees["cpython-stdlib"] = prepare_stdlib(work)
    for extra in args.tree:
        trees[extra.name] = extra
    specs = [args.corpus / s for s in SPECS if chosen(s) and (args.corpus / s).exists()]
    command = install_advisor(work) if trees or specs else []
    semgrep = install_semgrep(work) if trees else None
    if trees and semgrep is None:
        print("note: semgrep could not be installed; its column is empty")
    rows = [
        bench_tree(name, tree, args.repeat, semgrep, work, command) for name, tree in trees.items()
    ]
    header = ["tree", "advisor cold", "warm", "largest file touched", "median file touched",
              "cold, 1 core, no cache", "semgrep", "advisor/semgrep"]  # fmt: skip
    if rows:
        print(table(header, rows))
    if specs:
        peers = install_npm_tools(work)
        spec_rows = [bench_spec(s.name, s, args.repeat, peers, command) for s in specs]
        print(table(["spec", "advisor cold", "warm", "redocly", "advisor/redocly", "spectral",
                     "advisor/spectral"], spec_rows))  # fmt: skip
    if args.equivalence:
        for name, tree in trees.items():
            print(equivalence(name, tree))
    return 0


if __name__ == "__main__":
    sys.exit(main())
