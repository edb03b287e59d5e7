"""The pre-filter: files it skips could not have changed a finding or an endpoint verdict.

Three kinds of proof: every rule's bad examples are analysed in full (each of their files
passes the filter, so a new rule whose files the filter would miss fails here); filtered and
full runs give the same report on every rule example and on the examples folder; and the
mechanics (triggers from the tables, import bindings, the rounds) are pinned down directly.
Runs over real repositories are in benchmarks/ (`--equivalence`), since their trees are not
part of this repository.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import WORD_NEEDING_FACTS, words_needed_for

from advisor import prefilter
from advisor.engine import Result, analyze, analyze_sources
from advisor.facts import module_name, python_detectors, summarize
from advisor.model import FileSummary, RouteHandler
from advisor.policy.catalog import Example, Rule, load_catalog
from advisor.policy.selftest import EXAMPLE_FILES
from advisor.prefilter import (
    TRIGGERS,
    FileScan,
    ImportIndex,
    groups,
    importers,
    members,
    scan,
    vocabulary,
)
from advisor.settings import Settings

CATALOG = load_catalog()
SETTINGS = Settings(root=Path("/nonexistent"))
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
Project = Callable[[Mapping[str, str | bytes]], Path]


def _sources(example: Example) -> dict[str, bytes]:
    sources = {path: text.encode("utf-8") for path, text in example.files}
    sources[EXAMPLE_FILES[example.language]] = example.code.encode("utf-8")
    return sources


def _examples(bad_only: bool) -> list[pytest.ParameterSet]:
    cases = []
    for rule in CATALOG.rules:
        examples = [("bad", e) for e in rule.bad]
        if not bad_only:
            examples += [("good", e) for e in rule.good]
        for index, (kind, example) in enumerate(examples, start=1):
            cases.append(pytest.param(rule, example, id=f"{rule.code}-{kind}-{index}"))
    return cases


def same_report(filtered: Result, full: Result) -> None:
    """Equal reports, but for syntax errors in the files the filter skipped (by design: the
    filter does not parse them; ADV001's known limits)."""
    analysed = {s.path for s in filtered.summaries}
    dropped = [f for f in full.findings if f.code == "ADV001" and f.location.path not in analysed]
    assert all("syntax error" in f.message or "nested" in f.message for f in dropped)
    assert filtered.findings == tuple(f for f in full.findings if f not in dropped)
    assert filtered.endpoints == full.endpoints
    assert filtered.files == full.files


@pytest.mark.parametrize(("rule", "example"), _examples(bad_only=True))
def test_every_file_of_every_bad_example_is_analysed(rule: Rule, example: Example) -> None:
    sources = _sources(example)
    result = analyze_sources(sources, SETTINGS, CATALOG)
    analysed = {s.path for s in result.summaries}
    python = {path for path in sources if path.endswith(".py")}
    assert python <= analysed, f"skipped: {sorted(python - analysed)} ({example.description})"


@pytest.mark.parametrize(("rule", "example"), _examples(bad_only=False))
def test_filtered_and_full_runs_agree_on_every_example(rule: Rule, example: Example) -> None:
    sources = _sources(example)
    same_report(
        analyze_sources(sources, SETTINGS, CATALOG),
        analyze_sources(sources, SETTINGS, CATALOG, prefilter=False),
    )


def test_filtered_and_full_runs_agree_on_the_examples_folder() -> None:
    same_report(
        analyze([EXAMPLES], jobs=1, cache=False),
        analyze([EXAMPLES], jobs=1, cache=False, prefilter=False),
    )


def test_every_detector_declares_its_triggers() -> None:
    for detector in python_detectors():
        name = type(detector).__name__
        assert name in TRIGGERS, f"{name} declares no triggers in advisor/prefilter.py"
        for triggers in members(TRIGGERS[name]()):
            assert triggers.modules or triggers.words or triggers.any_case, name


def test_triggers_come_from_the_tables() -> None:
    words = vocabulary()
    # SDKs, frameworks, HTTP clients, task queues and middleware, each from its table.
    for module in ("openai", "anthropic", "litellm", "fastapi", "flask", "django", "requests"):
        assert module in words.modules
    for module in ("httpx", "celery", "rq", "apscheduler", "sse_starlette", "brotli_asgi"):
        assert module in words.modules
    # Modules that only qualify what a library call does never make a file worth parsing.
    for module in ("time", "json", "asyncio", "datetime"):
        assert module not in words.modules
    assert "advisor:" in words.words
    assert "content-encoding" in words.any_case
    # The qualified names themselves, for a library's own modules.
    assert {"openai.OpenAI", "openai.lib.azure.AzureOpenAI", "httpx.Client"} <= words.names
    assert {"openai", "litellm", "google.genai"} <= words.leading
    assert {"openai.chat", "openai.beta", "litellm.completion", "httpx"} <= words.under


def test_a_library_module_that_defines_a_looked_up_name_triggers() -> None:
    for triggers in groups():
        for name in sorted(triggers.names | triggers.leading | triggers.under):
            module, _, last = name.rpartition(".")
            if module:
                for word in sorted(triggers.needs) or [""]:
                    text = f"def {last}(): ...\n# {word}\n"
                    assert scan(module, text.encode()).triggered, (name, word)


def test_an_sdk_module_used_as_a_client_counts_with_a_part_of_its_api() -> None:
    """A name that only leads to looked-up names needs the part that follows it in the file
    (`_may_be_looked_up`): every SDK module has such parts, so none is left out for good."""
    for module in sorted(vocabulary().leading):
        following = sorted(
            name[len(module) + 1 :].split(".", 1)[0]
            for name in vocabulary().names | vocabulary().under
            if name.startswith(module + ".")
        )
        assert following, module
        text = f"import {module}\n"
        # `import google.genai` binds `google`, and writes the part that follows it
        assert scan("app.client", text.encode()).triggered is ("." in module), module
        assert scan("app.client", f"{text}{module}.{following[0]}\n".encode()).triggered, module


def test_names_that_need_words_count_only_with_one_of_them() -> None:
    conditional = [triggers for triggers in groups() if triggers.needs]
    assert conditional, "the HTTP libraries' names need a loop (`while`, a chunk iterator)"
    for triggers in conditional:
        assert {"while", "iter_content", "aiter_bytes"} <= triggers.needs
        for name in sorted(triggers.names | triggers.under):
            if name.split(".", 1)[0] not in ("requests", "httpx"):
                continue  # aiohttp's web names count with no condition
            text = f"import {name.split('.', 1)[0]}\n"
            assert not scan("app.client", text.encode()).triggered, name
            for word in sorted(triggers.needs):
                assert scan("app.client", f"{text}{word}\n".encode()).triggered, (name, word)


def _python_examples() -> Iterator[tuple[str, bytes, FileSummary | None]]:
    """(path, bytes, full summary) of every Python file of the rule examples and the examples
    folder."""
    examples = [e for rule in CATALOG.rules for e in (*rule.bad, *rule.good)]
    files = [(path, data) for e in examples for path, data in _sources(e).items()]
    files += [(p.relative_to(EXAMPLES).as_posix(), p.read_bytes()) for p in EXAMPLES.rglob("*.py")]
    for path, data in files:
        if path.endswith(".py"):
            yield path, data, summarize(path, "python", data, SETTINGS)


def test_every_fact_of_a_detector_that_needs_words_is_in_a_file_that_holds_one() -> None:
    """`Triggers.needs` is a claim about the detectors: checked on every rule example and the
    examples folder here (and on every snippet of tests/test_client_facts.py)."""
    seen = dict.fromkeys(WORD_NEEDING_FACTS, 0)
    for path, data, summary in _python_examples():
        for fact in summary.facts if summary is not None else ():
            needs = words_needed_for(fact)
            if needs is None:
                continue
            seen[type(fact)] += 1
            assert any(word.encode() in data for word in needs), (path, fact)
    assert all(seen.values()), seen


def test_a_file_with_a_route_of_a_known_framework_triggers() -> None:
    """What the response detector reads only in a route of a known framework (a path
    operation that yields, a Flask view's return value) needs no trigger of its own
    (`response_triggers`): the file that shows the route's framework triggers already."""
    seen = 0
    for path, data, summary in _python_examples():
        routes = [f for f in (summary.facts if summary else ()) if isinstance(f, RouteHandler)]
        if any(route.framework for route in routes):
            module = module_name(path)
            assert scan(module, data).triggered, path
            seen += 1
    assert seen > 20


@pytest.mark.parametrize(
    ("text", "triggered"),
    [
        ("import os\nimport json\n", False),
        ("import openai\nclient = openai.OpenAI()\n", True),
        ("import litellm\nlitellm.completion(model=model)\n", True),
        # A module that only leads to names a detector looks up counts when the file holds
        # a part that follows it there (`_may_be_looked_up`).
        ("import openai\n", False),
        ("import litellm\nlitellm.set_verbose = True\n", False),
        ("import google.genai\n", True),
        ("from litellm import completion\n", True),
        ("from starlette.middleware import Middleware\n", True),
        # Imports of a library that bind nothing a detector looks up, or leads to one.
        ("from litellm.types.utils import ModelResponse\n", False),
        ("from openai.types.chat import ChatCompletionChunk\n", False),
        ("from app import openai\n", False),
        ("import os, openai as oa\noa.chat.completions.create()\n", True),
        ("from openai import OpenAI\n", True),
        ("from fastapi.responses import (\n    StreamingResponse,\n)\n", True),
        ("from fastapi import APIRouter\n", True),
        # A framework's names that no detector looks up (`response_triggers`).
        ("from fastapi import Depends, HTTPException\n", False),
        ("from flask import jsonify, request\n", False),
        ("    from flask import Flask  # inside a function\n", True),
        ("import os, \\\n    requests\nwhile pending: ...\n", True),
        # An HTTP library's responses matter in a loop alone (`Triggers.needs`).
        ("import requests\nrequests.get(url).json()\n", False),
        ("import httpx\nfor chunk in r.iter_bytes(): ...\n", True),
        ("from aiohttp import ClientSession\nasync with ClientSession() as s: ...\n", False),
        ("from aiohttp import web\napp = web.Application()\n", True),
        ('"""Uses openai in prose only."""\nURL = "https://openai.com"\n', False),
        ('MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware"]\n', True),
        ("MIDDLEWARE += [r'django.middleware.gzip.GZipMiddleware']\n", True),
        # Another Django dotted path, or one in prose: not the name the detector compares.
        ("MIDDLEWARE = ['django.middleware.common.CommonMiddleware']\n", False),
        ("pdb.Pdb(skip=['django.*']).set_trace()\n", False),
        ("# advisor: user-facing=false\ndef job(): ...\n", True),
        ('response["content-encoding"] = "identity"\n', True),
        ("response.headers.setdefault('Content-Encoding', 'identity')\n", True),
        ('ENCODING = f"CONTENT-ENCODING"\n', True),
        # The header named in prose only: the detectors compare whole strings.
        ('# we only want a Content-Encoding of "identity"\n', False),
        ('"""Sets the Content-Encoding header."""\n', False),
        ("class WorkerSettings:\n    functions = [work]\n", True),
    ],
)
def test_what_triggers(text: str, triggered: bool) -> None:
    assert scan("app.module", text.encode()).triggered is triggered


@pytest.mark.parametrize(
    ("module", "text", "triggered"),
    [
        # Local definitions are named after the module: `openai.lib.azure.AzureOpenAI` is a
        # client class, and `openai.chat` is the API of the SDK module used as a client.
        ("openai.lib.azure", "class AzureOpenAI: ...\n", True),
        ("openai.chat", "def create(): ...\n", True),
        ("openai", "from ._client import OpenAI\n", True),
        # Relative imports are named after the library: `from .. import OpenAI` in openai/lib
        # binds the client class `openai.OpenAI`.
        ("openai.lib.computer", "from .. import OpenAI\n", True),
        ("litellm.proxy.x", "from ..main import acompletion\n", False),
        ("litellm.x", "from . import completion\n", True),
        # An HTTP library's own modules: any import of it counts (`imports_library`).
        ("httpx._client", "from ._models import Response\nwhile True: ...\n", True),
        ("httpx._client", "from ._models import Response\n", False),
        # Neither the module nor what it imports is a name a detector looks up.
        ("openai.resources.models", "from .._models import BaseModel\nclass X: ...\n", False),
        ("openai.x", "class OpenAI: ...\n", False),
        ("anthropic.types.message", "from .._models import BaseModel\n", False),
    ],
)
def test_a_module_inside_a_library_package_triggers_by_the_names_it_forms(
    module: str, text: str, triggered: bool
) -> None:
    package = module if module in ("openai",) else None
    assert scan(module, text.encode(), package=package).triggered is triggered


def test_bindings_follow_the_advisor_qualified_names() -> None:
    found = scan(
        "app.routes.chat",
        b"import os.path\nimport app.llm as llm\nfrom . import helpers\nfrom ..core import run\n"
        b"from x import (\n    a,\n    b as c,  # comment\n)\n",
    ).imports
    assert found == {"os", "app.llm", "app.routes.helpers", "app.core.run", "x.a", "x.b"}


def test_importers_match_module_suffixes_not_just_names() -> None:
    scans = {
        "examples/audio.py": ("examples.audio", scan("examples.audio", b"import openai\n")),
        "src/pkg/res/__init__.py": (
            "src.pkg.res",
            scan("src.pkg.res", b"from .audio import Audio\n", package="src.pkg.res"),
        ),
        "run.py": ("run", scan("run", b"from examples.audio import main\n")),
        "cli.py": ("cli", scan("cli", b"import audio\n")),
    }
    # `from .audio import` in src/pkg/res binds src.pkg.res.audio.Audio: not examples/audio.py.
    assert importers(scans, ["examples/audio.py"]) == {"run.py", "cli.py"}


def test_a_syntax_error_in_a_file_no_rule_reads_is_not_reported(project: Project) -> None:
    root = project({"tool.py": "def f(:\n", "app.py": "import fastapi\napp = fastapi.FastAPI(\n"})
    result = analyze([root], cache=False)
    assert [(f.code, f.location.path) for f in result.findings] == [("ADV001", "app.py")]
    assert result.files == ("app.py", "tool.py")  # both checked


def test_undecodable_bytes_are_reported_in_any_file(project: Project) -> None:
    root = project({"tool.py": b"x = '\xff'\n"})
    result = analyze([root], cache=False)
    assert [(f.code, f.location.path) for f in result.findings] == [("ADV001", "tool.py")]


def test_a_script_that_reaches_the_model_through_a_helper_is_analysed(project: Project) -> None:
    files = {
        "app/llm.py": (
            "from openai import OpenAI\n\nclient = OpenAI()\n\n\n"
            "def label(text):\n"
            '    return client.chat.completions.create(model="m", messages=[])\n'
        ),
        "app/batch.py": "from app.llm import label\n\n\ndef run(rows):\n    return [label(r) for r in rows]\n",
        "scripts/nightly.py": (
            "from app.batch import run\n\nif __name__ == '__main__':\n    run(open('x').read().split())\n"
        ),
        "scripts/unrelated.py": "import os\n\nprint(os.getcwd())\n",
    }
    root = project(files)
    filtered = analyze([root], cache=False)
    full = analyze([root], cache=False, prefilter=False)
    assert [f.code for f in filtered.findings] == ["ADV106"]
    assert filtered.findings == full.findings
    analysed = {s.path for s in filtered.summaries}
    assert {"app/llm.py", "app/batch.py", "scripts/nightly.py"} <= analysed
    assert "scripts/unrelated.py" not in analysed


def _agree(root: Path) -> set[str]:
    """The filtered run's report is the full run's; returns the files it analysed."""
    filtered = analyze([root], cache=False)
    same_report(filtered, analyze([root], cache=False, prefilter=False))
    return {s.path for s in filtered.summaries}


_LABEL = (
    "from openai import OpenAI\n\nclient = OpenAI()\n\n\n"
    "class Reply:\n    text: str\n\n\n"
    "def label(text):\n"
    '    return client.chat.completions.create(model="m", messages=[])\n'
)


def _script(module: str, name: str) -> str:
    """A script that calls `name` from `module` once per word of a file."""
    return (
        f"from {module} import {name}\n\nif __name__ == '__main__':\n"
        f"    for q in open('qs').read().split():\n        {name}(q)\n"
    )


def test_importers_of_a_module_that_leads_to_no_fact_are_not_analysed(project: Project) -> None:
    # models.py imports llm.py (a fact) but calls nothing that leads there: its importers
    # cannot reach a fact through it, so report.py is never parsed.
    root = project(
        {
            "app/llm.py": _LABEL,
            "app/models.py": "from app.llm import Reply\n\n\ndef show(r: Reply):\n    return r\n",
            "scripts/report.py": (
                "from app.models import show\n\nfor row in range(9):\n    show(row)\n"
            ),
        }
    )
    analysed = _agree(root)
    assert analysed == {"app/llm.py", "app/models.py"}


def test_only_files_that_import_what_leads_to_a_fact_are_analysed(project: Project) -> None:
    # llm.py exports nothing: only a file whose bindings can name `label` (or the class whose
    # method calls the model) can call it. The one that imports the prompt text cannot.
    llm = (
        'from openai import OpenAI\n\nPROMPT = "Label this"\n\n\n'
        "def label(text):\n"
        '    return OpenAI().chat.completions.create(model="m", messages=[])\n\n\n'
        "class Labeler:\n    def run(self, text):\n        return label(text)\n"
    )
    root = project(
        {
            "app/llm.py": llm,
            "scripts/run.py": _script("app.llm", "label"),
            "scripts/whole.py": (
                "import app.llm\n\nif __name__ == '__main__':\n"
                "    for q in open('qs'):\n        app.llm.label(q)\n"
            ),
            "scripts/by_class.py": (
                "from app.llm import Labeler\n\nif __name__ == '__main__':\n"
                "    for q in open('qs'):\n        Labeler().run(q)\n"
            ),
            "scripts/prompt.py": (
                "from app.llm import PROMPT\n\nif __name__ == '__main__':\n"
                "    for q in open('qs'):\n        print(PROMPT, q)\n"
            ),
        }
    )
    analysed = _agree(root)
    assert analysed == {
        "app/llm.py",
        "scripts/run.py",
        "scripts/whole.py",
        "scripts/by_class.py",
    }
    findings = analyze([root], cache=False).findings
    assert {f.evidence.location.path for f in findings if f.code == "ADV106"} >= {
        "scripts/run.py",
        "scripts/whole.py",
    }


def test_a_function_that_comes_to_lead_to_a_fact_brings_its_importers_in(
    project: Project,
) -> None:
    # run.py imports `other`, which leads nowhere: skipped. Once `other` calls `label`, a
    # re-check served from the cache analyses run.py, as a cold run does.
    llm = (
        "from openai import OpenAI\n\n\ndef label(text):\n"
        '    return OpenAI().chat.completions.create(model="m", messages=[])\n\n\n'
        "def other(text):\n    return text\n"
    )
    root = project({"app/llm.py": llm, "scripts/run.py": _script("app.llm", "other")})
    assert "scripts/run.py" not in {s.path for s in analyze([root], jobs=1).summaries}
    (root / "app/llm.py").write_text(llm.replace("return text", "return label(text)"))
    warm = analyze([root], jobs=1)
    same_report(warm, analyze([root], cache=False, prefilter=False))
    assert "scripts/run.py" in {s.path for s in warm.summaries}
    assert "ADV106" in [f.code for f in warm.findings]


def test_a_client_imported_from_another_module_leads_its_callers_on(project: Project) -> None:
    # ask.py calls the model only through a client it imports (a pending fact, resolved in
    # the project stage); the script that loops over ask() is where the finding is.
    root = project(
        {
            "app/clients.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
            "app/ask.py": (
                "from app.clients import client\n\n\ndef ask(q):\n"
                '    return client.chat.completions.create(model="m", messages=[])\n'
            ),
            "scripts/run.py": _script("app.ask", "ask"),
        }
    )
    assert _agree(root) == {"app/clients.py", "app/ask.py", "scripts/run.py"}
    assert [f.code for f in analyze([root], cache=False).findings] == ["ADV106"]


def test_a_module_that_makes_a_leading_name_ambiguous_is_analysed(project: Project) -> None:
    # `llm.label` could be app/llm.py's or tools/llm.py's: the project stage resolves an
    # ambiguous suffix to nothing, so the script's loop reaches no model call. Skipping
    # tools/llm.py (it triggers nothing, imports nothing) would resolve it and add a finding.
    root = project(
        {
            "app/llm.py": _LABEL,
            "tools/llm.py": "def label(text):\n    return text\n",
            "scripts/run.py": _script("llm", "label"),
            "tools/other.py": "def label(text):\n    return text\n",
        }
    )
    analysed = _agree(root)
    assert {"tools/llm.py", "scripts/run.py"} <= analysed
    assert "tools/other.py" not in analysed
    assert "ADV106" not in [f.code for f in analyze([root], cache=False).findings]


_CHAINS = {
    "app/clients.py": "from openai import OpenAI\n\nclient = OpenAI()\n",
    "app/ask.py": (
        "from app.clients import client\n\n\ndef ask(q):\n"
        '    return client.chat.completions.create(model="m", messages=[])\n'
    ),
    "app/helpers.py": "from app.ask import ask\n\n\ndef twice(q):\n    return ask(q), ask(q)\n",
    "app/models.py": "from app.llm import Reply\n\n\ndef show(r: Reply):\n    return r\n",
    "app/llm.py": _LABEL,
    "scripts/run.py": _script("app.helpers", "twice"),
    "scripts/report.py": _script("app.models", "show"),
    "scripts/label.py": _script("llm", "label"),
    "tools/llm.py": "def label(text):\n    return text\n",
    "tools/other.py": "import os\n\n\ndef label(text):\n    return os.sep\n",
}


class _OneAtATime:
    """`Work` that hands back one started file per call, picked by the test."""

    def __init__(self, run: prefilter.Summarize, pick: Callable[[int], int]) -> None:
        self._run = run
        self._pick = pick
        self._started: list[str] = []

    def start(self, paths: Sequence[str]) -> None:
        self._started.extend(paths)

    def finished(self) -> Mapping[str, FileSummary | None]:
        if not self._started:
            return {}
        return self._run([self._started.pop(self._pick(len(self._started)))])


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False))
def test_the_files_analysed_do_not_depend_on_the_order_they_finish_in(
    random: Random,
) -> None:
    # Importers are started as soon as a summary shows that a module leads to a fact, so files
    # finish in any order; what is added only grows with the summaries, to the same set.
    sources = {path: text.encode() for path, text in _CHAINS.items()}
    scans = {
        path: (module_name(path), scan(module_name(path), data)) for path, data in sources.items()
    }

    def run(paths: Sequence[str]) -> dict[str, FileSummary | None]:
        return {path: summarize(path, "python", sources[path], SETTINGS) for path in paths}

    expected = prefilter.analyse(scans, prefilter.Synchronous(run))
    assert {"app/ask.py", "app/helpers.py", "scripts/run.py", "tools/llm.py"} <= expected.keys()
    assert "scripts/report.py" not in expected
    shuffled = prefilter.analyse(scans, _OneAtATime(run, lambda n: random.randrange(n)))
    assert shuffled == expected


def _importers_by_comparison(
    scans: Mapping[str, tuple[str, FileScan]], targets: list[str]
) -> set[str]:
    """The definition, spelled out: compare every binding with every suffix of every target
    module (quadratic; what `importers` computes by lookups)."""
    found: set[str] = set()
    for path in targets:
        parts = scans[path][0].split(".")
        for start in range(len(parts)):
            suffix = parts[start:]
            for importer, (_, scanned) in scans.items():
                for binding in scanned.imports:
                    bound = binding.split(".")
                    shared = min(len(bound), len(suffix))
                    if bound[:shared] == suffix[:shared]:
                        found.add(importer)
    return found


_PART = st.sampled_from(["a", "b", "app", "llm", "utils"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(_PART, min_size=1, max_size=3),
            st.lists(st.lists(_PART, min_size=1, max_size=3), max_size=3),
        ),
        min_size=1,
        max_size=8,
    ),
    st.data(),
)
def test_importers_by_lookup_agree_with_the_definition(
    modules: list[tuple[list[str], list[list[str]]]], data: st.DataObject
) -> None:
    scans = {
        f"m{index}.py": (
            ".".join(name),
            FileScan(False, frozenset(".".join(binding) for binding in bindings)),
        )
        for index, (name, bindings) in enumerate(modules)
    }
    targets = data.draw(st.lists(st.sampled_from(sorted(scans)), max_size=3))
    assert importers(scans, targets) == _importers_by_comparison(scans, targets)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.lists(_PART, min_size=1, max_size=3), max_size=3), min_size=1, max_size=8),
    st.lists(st.lists(_PART, min_size=1, max_size=4), max_size=4),
)
def test_users_of_names_agree_with_the_definition(
    bindings_per_file: list[list[list[str]]], names: list[list[str]]
) -> None:
    """A file may name what a dotted name names when one of its bindings and the name agree on
    the parts they share (`app` and `app.llm.ask`, `app.llm.ask` and `app.llm.ask.inner`)."""
    scans = {
        f"m{index}.py": (f"m{index}", FileScan(False, frozenset(".".join(b) for b in bindings)))
        for index, bindings in enumerate(bindings_per_file)
    }
    expected = {
        path
        for path, (_, scanned) in scans.items()
        for binding in scanned.imports
        for name in names
        if binding.split(".")[: len(name)] == name[: len(binding.split("."))]
    }
    assert ImportIndex(scans).users(".".join(name) for name in names) == expected


_LINE_PIECES = ["import os", "from . import x", "from a.b import (c,", "    d)", "x = 1",
                "  import  json as j", "print('import')", "from x import y \\", "    , z",
                "importlib.reload(m)", "# import nothing", "\r", "", "\t", "CONTENT-Encoding",
                "content-encoding: gzip", "Content-Encodin", "'Content-Encoding'",
                '"CONTENT-ENCODING"', "\"content-encoding'", '"content-encoding']  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_LINE_PIECES), max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_the_literal_led_search_finds_what_the_pattern_finds(lines: list[str], end: str) -> None:
    """Import statements are found from the lines holding `import`, and quoted header names
    in any case by a lower-cased copy: both exactly as the regular expressions they replace."""
    data = end.join(lines).encode()
    found = [m.span() for m in prefilter._statement_matches(data)]
    assert found == [m.span() for m in prefilter._STATEMENT.finditer(data)]
    words = b"|".join(re.escape(w.encode()) for w in sorted(vocabulary().any_case))
    quoted = rb"([\"'])(?:" + words + rb")\1"
    assert prefilter._any_case_found(data) == (re.search(quoted, data, re.I) is not None)
