"""Project-wide symbols: which function, client or app an imported name refers to.

Module names come from file paths (`services/chat/app/llm.py` -> `services.chat.app.llm`), while
code imports them as the interpreter sees them (`app.llm`). A symbol is therefore matched by its
module suffix as well; a suffix shared by two modules is ambiguous and matches nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from advisor.model import (
    Export,
    Fact,
    FileSummary,
    FunctionInfo,
    LlmCall,
    PollingLoop,
    RouteHandler,
    StreamConsumption,
)
from advisor.records import record
from advisor.tables import client_classes, client_factories


@record
class Defined:
    path: str
    function: FunctionInfo


class ProjectIndex:
    def __init__(self, summaries: Sequence[FileSummary]) -> None:
        self.summaries = list(summaries)
        self.module_of_path: dict[str, str] = {}
        self._functions: dict[str, Defined] = {}
        self._exports: dict[str, Export] = {}
        self._by_suffix: dict[str, str | None] = {}
        self._modules: dict[str, str | None] = {}
        """Module name, and every dotted suffix of it, -> the module (None when ambiguous)."""
        for summary in summaries:
            info = summary.module
            if info is None:
                continue
            self.module_of_path[summary.path] = info.module
            parts = info.module.split(".")
            for start in range(len(parts)):
                key = ".".join(parts[start:])
                known = self._modules.get(key, info.module)
                self._modules[key] = info.module if known == info.module else None
            for function in info.functions:
                self._functions[function.symbol] = Defined(summary.path, function)
                self._index(info.module, function.symbol)
            for export in info.exports:
                self._exports[export.symbol] = export
                self._index(info.module, export.symbol)

    def _index(self, module: str, symbol: str) -> None:
        for key in shorter_names(symbol, module):
            if key in self._by_suffix and self._by_suffix[key] != symbol:
                self._by_suffix[key] = None  # two modules end the same way: ambiguous
            else:
                self._by_suffix[key] = symbol

    def functions(self) -> list[Defined]:
        return list(self._functions.values())

    def canonical(self, symbol: str) -> str | None:
        """The full symbol of a defined function or export, from any suffix form."""
        if symbol in self._functions or symbol in self._exports:
            return symbol
        return self._by_suffix.get(symbol)

    def module_attribute(self, symbol: str) -> str:
        """`chat.urls.urlpatterns` -> `project.chat.urls.urlpatterns`: a module-level name of a
        project module, completed the way imports are (unchanged when no module matches)."""
        found = self.canonical(symbol)
        if found is not None:
            return found
        module, _, name = symbol.rpartition(".")
        full = self._modules.get(module) if module else None
        return f"{full}.{name}" if full else symbol

    def function(self, symbol: str) -> Defined | None:
        found = self.canonical(symbol)
        return self._functions.get(found) if found else None

    def methods_of(self, class_symbol: str) -> Iterator[str]:
        """Functions defined inside a class (a Django class-based view)."""
        found = self._by_suffix.get(class_symbol, class_symbol) or class_symbol
        prefix = found + "."
        for symbol in self._functions:
            if symbol.startswith(prefix) and "." not in symbol[len(prefix) :]:
                yield symbol

    def export(self, symbol: str) -> Export | None:
        found = self.canonical(symbol)
        return self._exports.get(found) if found else None


def shorter_names(symbol: str, module: str) -> Iterator[str]:
    """`symbol` of `module` named from a shorter suffix of the module's name (`llm.ask` for
    `app.llm.ask`), as another module may import it: what `canonical` matches besides the
    symbol itself."""
    rest = symbol[len(module) :]
    parts = module.split(".")
    for start in range(1, len(parts)):
        yield ".".join(parts[start:]) + rest


def resolve_pending(summary: FileSummary, index: ProjectIndex) -> list[Fact]:
    """Facts whose receiver was imported from another module, now that it is known."""
    assert summary.module is not None
    resolved: list[Fact] = []
    for pending in summary.module.pending:
        called = pending.receiver.endswith("()")
        export = index.export(pending.receiver.removesuffix("()"))
        if export is None:
            continue
        for candidate in pending.candidates:
            fact = _resolve(candidate, export, called)
            if fact is not None:
                resolved.append(fact)
                break
    return resolved


def _resolve(candidate: Fact, export: Export, called: bool) -> Fact | None:
    if isinstance(candidate, LlmCall | StreamConsumption):
        wanted = "client-factory" if called else "client"
        if export.kind != wanted:
            return None
        if export.target in client_classes():
            sdk, is_async = client_classes()[export.target]
        elif export.target in client_factories():
            sdk, is_async = client_factories()[export.target], False
        else:
            return None
        if sdk.sdk != candidate.sdk:
            return None
        if isinstance(candidate, StreamConsumption):
            return candidate
        return dataclasses.replace(
            candidate, client=export.target, is_async=candidate.is_async or is_async
        )
    if isinstance(candidate, PollingLoop):
        # A polling loop over an imported client: kept if the client is that SDK's.
        wanted = "client-factory" if called else "client"
        if export.kind != wanted:
            return None
        if export.target in client_classes():
            sdk = client_classes()[export.target][0]
        elif export.target in client_factories():
            sdk = client_factories()[export.target]
        else:
            return None
        return candidate if sdk.sdk == candidate.library else None
    if isinstance(candidate, RouteHandler) and export.kind == "app" and not called:
        path = candidate.path
        if export.prefix and path is not None:
            path = export.prefix.rstrip("/") + "/" + path.lstrip("/")
        return dataclasses.replace(
            candidate,
            framework=export.framework or "",
            path=path,
            router=export.symbol,
            router_prefix=export.prefix or None,
        )
    return None
