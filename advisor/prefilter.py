"""Which Python files can matter, decided from their bytes before anything is parsed.

On a large repository most files mention no LLM SDK, web framework, HTTP client or task queue,
and parsing them is most of the time a run takes. Every Python detector declares what must
appear in a file for it to produce anything (`TRIGGERS`, derived from the tables in
advisor/data, so a new table entry moves the filter with it), and a file is analysed when:

1. it *triggers*: one of its imports binds a qualified name that a detector looks up, or
   extends one (`Triggers`, from the tables), or leads to one (`openai` to `openai.OpenAI`) and
   the file holds the part that follows there (`OpenAI`). A library's qualified names exist in
   a module only through an import statement, a dotted string such as a Django `MIDDLEWARE`
   entry, or the module's own path, so `from litellm.types.utils import ModelResponse` alone
   does not trigger, nor does the openai package's `from .._models import BaseModel`, while
   `from .. import OpenAI` in openai/lib does (inside a library's own package, the module's own
   name counts too: openai/lib/azure.py defines `openai.lib.azure.AzureOpenAI`). Some names
   count only in a file that also holds a word their detectors cannot do without
   (`Triggers.needs`): an HTTP library's, with `while` or a chunk iterator's name
   (`iter_content`), since its responses matter only in a poll loop or a loop over the body's
   pieces. A file also triggers when it holds a declared word (an `advisor:` comment), a
   settings string naming a middleware, or a header name written as a string;
2. it imports what leads to a fact: a function with facts, or one that calls (by a name that
   could resolve there) a function that leads to one, as far as the files analysed so far
   show; or anything of a module that exports a client or an app, or mounts routers. The call
   graph crosses modules through imports: a script that calls a helper that calls the model is
   where that call's `reach` comes from. Every name a module uses from another one begins with
   one of its import bindings, so a file can call such a function only if one of its bindings
   and one of the names the function is known by agree (`import app`, `from app.llm import
   ask` for `app.llm.ask`; not `from app.llm import PROMPT`). These files are added as soon as a
   summary shows what they import to lead to a fact, until no file is added; a module that
   imports only what leads nowhere adds no call path to a fact, and neither do its importers;
3. its functions could answer a name that an analysed file looks up (`utils.ask` is resolved by
   module suffix, and a second module that defines `ask` in a `utils` makes it ambiguous): this
   is checked once nothing more is added by 1 and 2, from the names looked up there. A call
   whose name leads to no fact is left out of that check: whichever function it turns out to
   name, that function reaches no fact (else the file defining it would have been analysed
   by 2).

A file that none of these applies to produces no fact, and whether it is present or not changes
neither a call path that leads to a fact nor the resolution of a name that matters, so every
finding and every endpoint verdict is the same without it (`tests/test_prefilter.py` compares
full and filtered runs). Its syntax is not checked either: a syntax error in a file that no rule
could look at hides nothing from the analysis (ADV001's known limits). Undecodable bytes are
cheap to detect and are still reported.
"""

from __future__ import annotations

import bisect
import codecs
import dataclasses
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from advisor import tables
from advisor.model import Fact, FileSummary, ParseFailure
from advisor.read.comments import MARKER
from advisor.records import record

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
_NAME = re.compile(r"[\w.]+")


@record
class Triggers:
    """What must appear in a file for a detector to produce anything.

    `modules`: top-level names of libraries (`openai`, `fastapi`) whose import, or a dotted
    string naming something in them, is needed. `words`: text that triggers wherever it
    appears; `any_case`: a whole string literal, in any letter case (a header name such as
    `"Content-Encoding"`: the detectors compare the whole string, so a mention in a comment
    or in prose cannot be what they see).

    The qualified names the detector looks up, which what a file's imports bind is matched
    against (and, inside a library's own package, the module's own name): `names` count as
    themselves, as what leads to them (`openai.lib.azure` to `openai.lib.azure.AzureOpenAI`)
    and as what extends them (an attribute of a class); `leading`, only as themselves and what
    leads to them (an SDK module used as a client); `under`, with everything below them (an
    HTTP library whose every import counts, an SDK module's API: `openai.chat`).
    """

    modules: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    any_case: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    leading: frozenset[str] = frozenset()
    under: frozenset[str] = frozenset()
    needs: frozenset[str] = frozenset()
    """When not empty, the qualified names count only in a file that also holds one of these
    words (anywhere, in any context): what the detector's facts cannot exist without besides
    the import. An HTTP library's responses matter only in a loop, and a poll only in a
    `while` loop: a file that imports `requests` and holds neither `while` nor a chunk
    iterator's name (`iter_content`) gives those detectors nothing to see."""

    def __or__(self, other: Triggers) -> Triggers:
        if self.needs != other.needs:
            raise ValueError("triggers that need different words are separate groups")
        return Triggers(
            self.modules | other.modules,
            self.words | other.words,
            self.any_case | other.any_case,
            self.names | other.names,
            self.leading | other.leading,
            self.under | other.under,
            self.needs,
        )

    def needing(self, words: Iterable[str]) -> Triggers:
        """These triggers, counting their names only in a file that holds one of `words`."""
        return dataclasses.replace(self, needs=frozenset(words))


def library(
    names: Iterable[str] = (),
    *,
    leading: Iterable[str] = (),
    under: Iterable[str] = (),
    words: Iterable[str] = (),
    any_case: Iterable[str] = (),
) -> Triggers:
    """Triggers for the libraries these qualified names are in (`modules`: their roots)."""
    named = frozenset(names), frozenset(leading), frozenset(under)
    return Triggers(
        frozenset(name.split(".", 1)[0] for group in named for name in group),
        frozenset(words),
        frozenset(any_case),
        *named,
    )


def dotted(*collections: Any) -> frozenset[str]:
    """Every qualified name (`a.b.C`) found in table values (mappings, dataclasses,
    collections and strings, walked recursively)."""
    found: set[str] = set()
    stack: list[Any] = list(collections)
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if _DOTTED.fullmatch(value):
                found.add(value)
        elif isinstance(value, tuple | list | set | frozenset):
            stack.extend(value)
        elif isinstance(value, dict | Mapping):  # a dict first: the ABC's check is slower
            stack.extend(value.keys())
            stack.extend(value.values())
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            stack.extend(getattr(value, f.name) for f in dataclasses.fields(value))
    return frozenset(found)


def roots(*collections: Any) -> frozenset[str]:
    """Top-level module names of every qualified name found in table values."""
    return frozenset(name.split(".", 1)[0] for name in dotted(*collections))


def _api_heads(sdk: tables.Sdk) -> set[str]:
    """The attributes of an SDK module used as a client that a call path can begin with."""
    heads = {api.split(".", 1)[0] for api in sdk.methods}
    return heads | sdk.transparent | sdk.async_segments | set(sdk.derived or ())


@functools.cache
def sdk_triggers() -> Triggers:
    """LLM calls (and what consumes, polls or exports their clients): a client class, an SDK
    module used as a client (and its API), or a client factory."""
    return library(
        [*tables.client_classes(), *tables.client_factories()],
        leading=tables.sdk_modules(),
        under=[
            f"{module}.{head}"
            for module, sdk in tables.sdk_modules().items()
            if sdk.module_calls
            for head in _api_heads(sdk)
        ],
    )


@functools.cache
def http_triggers() -> Triggers:
    """Responses of HTTP client libraries (chunk decoding, status polls); any import of one
    counts (`imports_library`)."""
    table = tables.http_clients()
    names = dotted(table.calls, table.client_methods, table.responses, table.readers)
    return library(names, under=roots(names))


def chunk_decode_triggers() -> Group:
    """A chunk-decode fact is a `for` loop over a chunk iterator (`iter_content`, a name the
    file holds: the call is in the loop header or assigned to the name it iterates) or a
    `while` loop that reads the body piece by piece; an SDK's raw response iterates the same
    way, and the SDK's triggers count as they are."""
    iterators = tables.http_clients().iterators
    return sdk_triggers(), http_triggers().needing([*iterators, "while"])


@functools.cache
def response_triggers() -> Triggers:
    """Response classes, header hooks and event ids. A FastAPI path operation that `yield`s, a
    Flask view's return value and a handler's request parameter are read only in a function
    that the same file shows to be a route of that framework (a `RouteHandler` whose framework
    is known: the app, router or route function it is registered on is named in the file),
    so the route detector's triggers cover them; nothing else under `fastapi` or `flask`
    counts (`fastapi.HTTPException`)."""
    hooks = tables.header_hooks()
    streams = tables.stream_tables()
    return library(
        dotted(
            tables.response_classes(),
            hooks.decorators,
            hooks.wrappers,
            streams.view_returns,
            streams.event_id_keywords,
        )
    )


def route_triggers() -> Triggers:
    table = tables.frameworks()
    return library(
        dotted(table.apps, table.route_functions, table.route_calls),
        under=[table.route_function_framework],
    )


def entry_triggers() -> Triggers:
    """Entry points where nobody waits, exported apps and clients, mounts; arq's settings class
    is found by its name alone."""
    table = tables.frameworks()
    receivers = [
        (receivers, call.chain_root)
        for calls in table.offline_calls.values()
        for call in calls
        for receivers in [call.receivers]
    ]
    chain_roots = {root for _, root in receivers if root}
    return sdk_triggers() | library(
        dotted(
            table.apps,
            table.offline_functions,
            table.offline_methods,
            receivers,
            table.mount_calls,
            table.includes,
        ),
        under=chain_roots,
        words=[table.arq_class],
    )


def polling_triggers() -> Group:
    """Status reads of provider jobs and task queues; an HTTP GET is a poll only in a `while`
    loop."""
    table = tables.polling()
    return (
        sdk_triggers()
        | library(dotted(table.job_classes, table.produced_by_call, table.produced_by_method))
        | library(dotted(table.tasks.decorators, table.tasks.app_classes)),
        http_triggers().needing(["while"]),
    )


def middleware_triggers() -> Triggers:
    """Compression middleware, and code that sets `Content-Encoding` on responses it did not
    build (a project middleware that keeps event streams from being compressed)."""
    return library(
        dotted(tables.compression_middleware(), tables.MIDDLEWARE_WRAPPERS),
        any_case=[tables.CONTENT_ENCODING],
    )


def hint_triggers() -> Triggers:
    return Triggers(words=frozenset({MARKER}))


Group = Triggers | tuple[Triggers, ...]
"""A detector's triggers: one set, or several that need different words (`Triggers.needs`);
any one of them makes a file worth parsing."""

TRIGGERS: dict[str, Callable[[], Group]] = {
    "GraphDetector": entry_triggers,
    "RouteDetector": route_triggers,
    "ResponseDetector": response_triggers,
    "LlmCallDetector": sdk_triggers,
    "StreamConsumptionDetector": sdk_triggers,
    "ChunkDecodeDetector": chunk_decode_triggers,
    "PollingDetector": polling_triggers,
    "MiddlewareDetector": lambda: middleware_triggers() | response_triggers(),
    "FunctionHintDetector": hint_triggers,
}
"""Each Python detector (by class name) and what it needs to see in a file. Suppression
comments need `advisor:` as hints do."""


def members(group: Group) -> tuple[Triggers, ...]:
    return group if isinstance(group, tuple) else (group,)


@functools.cache
def groups() -> tuple[Triggers, ...]:
    """Every detector's triggers, merged by the words they need: the ones that need none
    first."""
    merged: dict[frozenset[str], Triggers] = {}
    for declared in TRIGGERS.values():
        for triggers in members(declared()):
            known = merged.get(triggers.needs)
            merged[triggers.needs] = triggers if known is None else known | triggers
    # The same names needing different words: one group that needs any of them (or nothing,
    # when one of them needs nothing).
    alike: dict[Triggers, list[frozenset[str]]] = {}
    for needs, triggers in merged.items():
        alike.setdefault(dataclasses.replace(triggers, needs=frozenset()), []).append(needs)
    found = [
        triggers.needing(frozenset().union(*needs) if all(needs) else ())
        for triggers, needs in alike.items()
    ]
    return tuple(sorted(found, key=lambda t: (bool(t.needs), sorted(t.needs))))


@functools.cache
def vocabulary() -> Triggers:
    """Everything that can make a Python file worth parsing (every detector's triggers, the
    words they need aside)."""
    found = Triggers()
    for triggers in groups():
        found = found | dataclasses.replace(triggers, needs=frozenset())
    return found


@functools.cache
def _string_patterns() -> tuple[bytes, ...]:
    """`"django.middleware.gzip.GZipMiddleware"`: middleware installed by naming it in a
    settings string rather than by importing it. The detector compares the whole string with
    the name, so the name is the trigger, whatever quotes or prefix the string has (`'django.`
    also matched prose such as pydoc's `skip=['django.*']`, a 757 KB file to parse)."""
    return tuple(
        sorted(
            name.encode()
            for name, middleware in tables.compression_middleware().items()
            if middleware.install.endswith("setting")
        )
    )


@functools.cache
def _module_pattern() -> re.Pattern[bytes]:
    words = sorted(vocabulary().modules, key=lambda w: (-len(w), w))
    return re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in words) + rb")\b")


@functools.cache
def _any_case_words() -> tuple[bytes, ...]:
    return tuple(sorted(w.encode().lower() for w in vocabulary().any_case))


def _any_case_found(data: bytes) -> bool:
    """Whether a word of any letter case appears between quotes of the same kind (ASCII case,
    as a `re.I` search of bytes): `"Content-Encoding"`, `f'content-encoding'`."""
    words = _any_case_words()
    if not words:
        return False
    lowered = data.lower()
    return any(
        quote + word + quote in lowered
        for word in words
        if word in lowered
        for quote in (b'"', b"'")
    )


@record
class FileScan:
    triggered: bool
    imports: frozenset[str]
    """What the file's import statements bind, as the qualified names the advisor gives them
    (`import a.b` binds `a`; `from .x import f` in `p/m.py` binds `p.x.f`): every name this
    module uses from another one starts with one of these."""


def scan(module: str, data: bytes, *, package: str | None = None) -> FileScan:
    """What the file's bytes say, without parsing it: one regular expression finds the import
    statements, and the library names are looked for in those alone (over-approximating: a
    name imported *from* a library-named module counts too).

    `package`: the package relative imports start from (the module itself for `__init__.py`).
    """
    data = data.removeprefix(codecs.BOM_UTF8)  # else the first line's import is not seen
    statements = list(_statements(data))
    blob = b"\n".join(statements)
    if package is None:
        package = module.rpartition(".")[0]
    imports: set[str] = set()
    for statement in statements:
        absolute = _bound_absolute(statement)
        imports.update(absolute if absolute is not None else _bound(statement, package))
    own = module.split(".", 1)[0] in vocabulary().modules
    triggered = (
        (
            (own or _module_pattern().search(blob) is not None)
            and any(
                _holds_any(data, _needed_words(index))
                and any(_may_be_looked_up(name, index, data) for name in (module, *imports) if name)
                for index in range(len(groups()))
            )
        )
        or any(word in data for word in _literal_words())
        or _any_case_found(data)
    )
    return FileScan(triggered, frozenset(imports))


@functools.cache
def _literal_words() -> tuple[bytes, ...]:
    """What triggers wherever it appears: the declared words, and settings strings."""
    return (*(word.encode() for word in sorted(vocabulary().words)), *_string_patterns())


@functools.cache
def _needed_words(index: int) -> tuple[bytes, ...]:
    return tuple(word.encode() for word in sorted(groups()[index].needs))


def _holds_any(data: bytes, words: tuple[bytes, ...]) -> bool:
    """Whether `data` holds one of `words`; no words needed, no condition."""
    return not words or any(word in data for word in words)


@functools.cache
def _looked_up_names(index: int) -> tuple[dict[str, tuple[bytes, ...]], frozenset[str]]:
    """For one group of `groups()`: (each name that leads to a name the detectors look up,
    with the parts that can follow it on the way there; the names that count extended).

    An SDK module used as a client counts as itself only when one of its API's first parts
    follows (`litellm.completion`), so it is a leading name like the others here."""
    found = groups()[index]
    following: dict[str, set[str]] = defaultdict(set)
    for name in found.names | found.leading | found.under:
        parts = name.split(".")
        for cut in range(1, len(parts)):
            following[".".join(parts[:cut])].add(parts[cut])
    extended = found.names | found.under
    return (
        {
            name: tuple(sorted(part.encode() for part in parts))
            for name, parts in following.items()
            if name not in extended
        },
        extended,
    )


def _may_be_looked_up(name: str, index: int, data: bytes) -> bool:
    """Whether `name` (what one of a file's imports binds, or a module inside a library's own
    package), or an attribute of it, may be a name a detector looks up (`Triggers`; those of
    group `index` of `groups()`). Such a module's own definitions are named after it, and its
    relative imports after the library: `from .. import OpenAI` in openai/lib binds
    `openai.OpenAI`, a client class, while `from .._models import BaseModel` binds nothing
    any detector knows.

    A name that only leads to one (`openai` to `openai.OpenAI`) counts when the file holds
    a part that follows it there (`OpenAI`): code reaches `openai.OpenAI` from `openai` only
    by writing `openai.OpenAI` (or `getattr(openai, "OpenAI")`, whose string holds it too;
    and inside the package, by defining `OpenAI`). A file that imports `litellm` and writes
    neither `completion` nor another part of its API cannot call it."""
    leading, extended = _looked_up_names(index)
    parts = name.split(".")
    if name in extended or any(".".join(parts[:cut]) in extended for cut in range(1, len(parts))):
        return True
    following = leading.get(name)
    return following is not None and any(part in data for part in following)


_FROM = re.compile(r"\s*from\s+(\.*)\s*([\w.]*)\s+import\b(.*)", re.S)
_IMPORT_NAMES = re.compile(r"\s*import\b(.*)", re.S)


@functools.lru_cache(maxsize=1 << 16)
def _bound_absolute(statement: bytes) -> tuple[str, ...] | None:
    """`_bound` of a statement that is not a relative import (None for one that is), which
    does not depend on the package: the same few thousand statements (`import torch`) open
    most files of a project, and are read once."""
    found = _FROM.match(statement.decode("utf-8", "replace"))
    if found is not None and found.group(1):
        return None
    return tuple(_bound(statement, ""))


def _bound(statement: bytes, package: str) -> Iterator[str]:
    """Qualified names one import statement binds (over-approximated on odd text)."""
    text = statement.decode("utf-8", "replace")
    found = _FROM.match(text)
    if found is not None:
        dots, base, rest = found.groups()
        if dots:
            parts = package.split(".") if package else []
            up = len(dots) - 1
            parents = parts[: len(parts) - up] if len(parts) >= up else []
            base = ".".join(p for p in [*parents, base] if p)
        names = list(_names(rest))
        if not names or "*" in names:
            yield base
        for name in names:
            yield f"{base}.{name}" if base else name
        return
    found = _IMPORT_NAMES.match(text)
    if found is not None:
        for part in found.group(1).split(","):
            words = part.replace("\\", " ").replace("(", " ").replace(")", " ").split()
            if not words:
                continue
            dotted = words[0]
            yield dotted if len(words) >= 3 and words[1] == "as" else dotted.split(".")[0]


def _names(rest: str) -> Iterator[str]:
    cleaned = re.sub(r"#[^\n]*", " ", rest).replace("\\", " ").replace("(", " ").replace(")", " ")
    for part in cleaned.split(","):
        words = part.split()
        if words:
            yield words[0]


_STATEMENT = re.compile(rb"^[ \t]*(?:from[ \t][^\n]*?[ \t]import|import)\b[^\n]*", re.M)
_RELATIVE = re.compile(rb"^[ \t]*from[ \t]+\.", re.M)


def _statement_matches(data: bytes) -> Iterator[re.Match[bytes]]:
    """`_STATEMENT.finditer(data)`, found faster: every import statement's first line holds the
    word `import`, so only the lines that do are tried (a literal search runs at memory speed;
    trying the pattern at every line start was a third of the time of a scan)."""
    position = data.find(b"import")
    while position >= 0:
        start = data.rfind(b"\n", 0, position) + 1
        match = _STATEMENT.match(data, start)
        line_end = data.find(b"\n", position)
        if match is not None:
            yield match
        if line_end < 0:
            return
        position = data.find(b"import", line_end)


def _statements(data: bytes) -> Iterator[bytes]:
    """The import statements, each with its parenthesised or backslash-continued lines."""
    for match in _statement_matches(data):
        text = match.group()
        if b"(" in text and b")" not in text[text.index(b"(") :]:
            close = data.find(b")", match.end())
            yield data[match.start() : len(data) if close < 0 else close]
        elif text.rstrip().endswith(b"\\"):
            end = match.end()
            while end < len(data) and data[max(0, end - 2) : end].rstrip(b"\r").endswith(b"\\"):
                following = data.find(b"\n", end + 1)
                end = len(data) if following < 0 else following
            yield data[match.start() : end]
        else:
            yield text


def stem(module: str) -> str:
    return module.rsplit(".", 1)[-1]


class ImportIndex:
    """Who imports what, by the bindings of the scans: which files may name a module.

    The project index resolves a name used in a module by matching a dotted suffix of another
    module's name (`app.llm.ask` finds `ask` in `services/app/llm.py`), and every such name
    begins with one of the user's import bindings: a file may name module M only if one of its
    bindings and some suffix of M's name agree on the parts they share.
    """

    def __init__(self, scans: Mapping[str, tuple[str, FileScan]]) -> None:
        """`scans` maps path -> (module name, scan)."""
        self.scans = scans
        # Two bindings-and-suffix agree on the parts they share when one is a leading part of
        # the other. The bindings a suffix begins with are found by looking up each of its
        # leading parts; the bindings that begin with it, by a range of the sorted bindings
        # (those that start with `suffix + "."`). Comparing every suffix with every binding
        # was quadratic on a package that imports itself everywhere (12 s), and indexing each
        # binding under each of its leading parts cost more than the queries (0.5 s on vllm).
        self._whole: dict[str, set[str]] = defaultdict(set)
        for path, (_, found) in scans.items():
            for binding in found.imports:
                self._whole[binding].add(path)
        self._sorted = sorted(self._whole)

    def importers(self, targets: Iterable[str]) -> set[str]:
        """Paths of the files that import one of the files `targets` (directly)."""
        found: set[str] = set()
        for module in {self.scans[p][0] for p in targets if p in self.scans}:
            parts = module.split(".")
            for start in range(len(parts)):
                self._agreeing(".".join(parts[start:]), found)
        return found

    def users(self, names: Iterable[str]) -> set[str]:
        """Paths of the files whose bindings agree with one of these dotted names: the files
        that may name what they name (each name in every form that resolves to it)."""
        found: set[str] = set()
        for name in set(names):
            self._agreeing(name, found)
        return found

    def _agreeing(self, name: str, found: set[str]) -> None:
        found.update(self._whole.get(name, ()))  # the binding is the name
        first = bisect.bisect_left(self._sorted, name + ".")
        last = bisect.bisect_left(self._sorted, name + "/")  # "/" follows "."
        for binding in self._sorted[first:last]:  # bindings that begin with it
            found.update(self._whole[binding])
        cut = name.find(".")
        while cut >= 0:  # bindings it begins with
            found.update(self._whole.get(name[:cut], ()))
            cut = name.find(".", cut + 1)


def importers(scans: Mapping[str, tuple[str, FileScan]], targets: Iterable[str]) -> set[str]:
    """Paths of the files that import one of `targets` directly (see `ImportIndex`)."""
    return ImportIndex(scans).importers(targets)


@record
class Leads:
    """What the analysed files show can lead to a fact, as far as they show it.

    A function *leads* to a fact when a fact (or a fact that waits for an imported receiver)
    was seen in it, or when it calls (or hands over to) a function that leads to one, by any
    name that could resolve to that function. Ambiguity is ignored, so this over-approximates
    what the project stage finds, and files that are not analysed yet can only add to it.
    """

    names: frozenset[str]
    """Every name under which another module may reach one of those functions, or a client or
    an app that a module exports."""


def _forms(symbol: str, module: str) -> Iterator[str]:
    """The names that resolve to `symbol` of `module`: itself, and what `ProjectIndex.canonical`
    matches besides (imported here, when files are analysed: the project stage follows anyway)."""
    from advisor.project.symbols import shorter_names

    yield symbol
    yield from shorter_names(symbol, module)


class LeadFinder:
    """`Leads` of the files analysed so far, kept up to date as each summary comes in (in any
    order: what leads to a fact only grows as files are added, and the closure is the same).
    A summary's material (who calls what, where facts are) is gathered once, when it is added.
    """

    def __init__(self) -> None:
        self._module_of: dict[str, str] = {}
        self._callers: dict[str, list[str]] = defaultdict(list)
        self._reached: set[str] = set()
        """Symbols that lead to a fact."""
        self._names: set[str] = set()
        """Every form of the symbols reached: a call by one of these names leads on."""
        self._exported: set[str] = set()
        self._new_names: list[str] = []
        """Names added to `_names` since `news` was last asked."""
        self._new_modules: list[str] = []
        """Files that export or mount something (or have facts but no module), found since
        `news` was last asked: everything their importers name may matter."""

    def add(self, summaries: Iterable[FileSummary | None]) -> None:
        for summary in summaries:
            if summary is not None:
                self._add(summary)

    def _add(self, summary: FileSummary) -> None:
        facts = [f for f in summary.facts if not isinstance(f, ParseFailure)]
        info = summary.module
        if info is None:
            if facts:
                self._new_modules.append(summary.path)
            return
        module, path = info.module, summary.path
        self._module_of[module] = module
        for function in info.functions:
            self._module_of[function.symbol] = module
        reached: list[str] = []
        for edge in info.edges:
            self._callers[edge.callee].append(edge.caller)
            self._module_of.setdefault(edge.caller, module)
            if edge.callee in self._names:
                reached.append(edge.caller)
        if info.exports or info.mounts:
            self._new_modules.append(path)
        for export in info.exports:
            self._exported.update(_forms(export.symbol, module))
        for fact in (*facts, *(c for p in info.pending for c in p.candidates)):
            qualname = fact.evidence.function
            symbol = f"{module}.{qualname}" if qualname else module
            self._module_of.setdefault(symbol, module)
            reached.append(symbol)
        self._reach(reached)

    def _reach(self, symbols: Iterable[str]) -> None:
        """Marks `symbols` as leading to a fact, and their callers, by any name, transitively.
        A name whose callers were followed once is not followed again: a call added later by
        that name is followed when it is added (`_add`)."""
        stack = [s for s in dict.fromkeys(symbols) if s not in self._reached]
        self._reached.update(stack)
        while stack:
            symbol = stack.pop()
            for name in _forms(symbol, self._module_of[symbol]):
                if name in self._names:
                    continue
                self._names.add(name)
                self._new_names.append(name)
                for caller in self._callers.get(name, ()):
                    if caller not in self._reached:
                        self._reached.add(caller)
                        stack.append(caller)

    def news(self) -> tuple[list[str], list[str]]:
        """What was found since the last call: (names under which a function that leads to a
        fact may be called, files whose importers may use anything they define)."""
        found = self._new_names, self._new_modules
        self._new_names, self._new_modules = [], []
        return found

    def leads(self) -> Leads:
        return Leads(frozenset(self._exported | self._names))


def looked_up(summaries: Iterable[FileSummary], known: Leads) -> set[str]:
    """Every dotted name whose meaning the project stage may need from these files, and that
    another file could change (a superset): names of routes, mounts, imported receivers and the
    names facts hold, and the call-graph edges and entries whose name may lead to a fact. A
    call that leads to no fact changes no reach, whatever function its name turns out to be."""
    names: set[str] = set()
    for summary in summaries:
        info = summary.module
        if info is not None:
            names.update(e.callee for e in info.edges if e.callee in known.names)
            names.update(e.symbol for e in info.entries if e.symbol in known.names)
            for mount in info.mounts:
                names.update((mount.parent, mount.child))
            names.update(p.receiver.removesuffix("()") for p in info.pending)
            for pending in info.pending:
                for candidate in pending.candidates:
                    names.update(_fact_names(candidate))
        for fact in summary.facts:
            names.update(_fact_names(fact))
    return names


def _fact_names(fact: Fact) -> Iterator[str]:
    for field in dataclasses.fields(fact):
        value = getattr(fact, field.name)
        if isinstance(value, str):
            values: tuple[object, ...] = (value,)
        elif isinstance(value, tuple):
            values = value
        else:
            continue
        for item in values:
            if isinstance(item, str) and _NAME.fullmatch(item):
                yield item


def colliding(skipped: Mapping[str, str], names: Iterable[str]) -> set[str]:
    """Skipped files (path -> module) that a looked-up name could resolve into, so that leaving
    them out could change what that name means: the project index matches a name by a dotted
    suffix of a module followed by a function's qualified name, and a module by a suffix, so a
    file matters when a suffix of its module's name is a leading part of a looked-up name."""
    prefixes: set[str] = set()
    for name in names:
        parts = name.split(".")
        prefixes.update(".".join(parts[:cut]) for cut in range(1, len(parts) + 1))
    pulled = set()
    for path, module in skipped.items():
        parts = module.split(".")
        if any(".".join(parts[start:]) in prefixes for start in range(len(parts))):
            pulled.add(path)
    return pulled


Summarize = Callable[[Sequence[str]], Mapping[str, FileSummary | None]]


class Work(Protocol):
    """Summaries made in the background (advisor/runner.py), or on the spot (`Synchronous`)."""

    def start(self, paths: Sequence[str]) -> None:
        """Begins summarizing these files (never one started before)."""

    def finished(self) -> Mapping[str, FileSummary | None]:
        """Summaries of started files, each once: waits until there is at least one, when
        some started file is not finished yet."""


class Synchronous:
    """`Work` that summarizes each file as soon as it is started, with `run`."""

    def __init__(self, run: Summarize) -> None:
        self._run = run
        self._done: dict[str, FileSummary | None] = {}

    def start(self, paths: Sequence[str]) -> None:
        self._done.update(self._run(paths))

    def finished(self) -> Mapping[str, FileSummary | None]:
        found, self._done = self._done, {}
        return found


def analyse(
    scans: Mapping[str, tuple[str, FileScan]],
    work: Work,
    first: Sequence[str] = (),
    started: Iterable[str] = (),
) -> dict[str, FileSummary | None]:
    """The Python files to analyse (see the module docstring), summarized by `work`: the files
    that trigger (and `first`, analysed whatever they hold); the files that import what leads
    to a fact as soon as a summary shows that it does (not a round at a time: no worker waits
    for the slowest file of a round); then the files a looked-up name could resolve into.

    `scans` maps path -> (module name, scan); `started`: files the caller has already started in
    `work` (files that trigger, while it was scanning the others). The files analysed are the
    same in any order of completion: each rule only adds files as more summaries come in.
    """
    done: dict[str, FileSummary | None] = {}
    running: set[str] = set(started)

    def start(paths: Iterable[str]) -> None:
        new = sorted(set(paths) - done.keys() - running)
        if new:
            running.update(new)
            work.start(new)

    def finish(follow: bool) -> None:
        while running:
            found = work.finished()
            running.difference_update(found)
            done.update(found)
            if follow:
                finder.add(found.values())
                names, modules = finder.news()
                start(index.users(names) | index.importers(modules))

    finder = LeadFinder()
    start([*first, *(p for p, (_, found) in scans.items() if found.triggered)])
    index = ImportIndex(scans)  # built while the first files are summarized
    finish(follow=True)
    known = finder.leads()
    names = looked_up((s for s in done.values() if s is not None), known)
    rest = {path: module for path, (module, _) in scans.items() if path not in done}
    start(colliding(rest, names))
    finish(follow=False)
    return done
