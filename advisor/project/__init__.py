"""Project stage: what only the whole project shows, computed over the per-file summaries.

- Symbols are matched across modules (an import of `app.llm.ask` finds the function `ask` of
  the module whose path ends in `app/llm.py`).
- Calls on clients, and routes on routers, imported from other modules are resolved through
  those modules' exports; routes get the prefixes of the mounts above their routers.
- The call graph says who runs each function: route handlers (someone waits), or only
  scripts, CLI commands, workers and schedulers (nobody waits); facts get that `reach`, and the
  evidence of a fact reached from a handler shows the path (handler -> helper -> call).
- Model calls repeated once per item of a collection become `llm-call-loop` facts, reported at
  the loop even when the call is in a helper of another module.
- Compression middleware, pinned versions and streaming responses are combined into
  `buffering-middleware` facts.
- A stream whose body reaches model calls repeated in helpers of other modules is long.
"""

from __future__ import annotations

from collections.abc import Sequence

from advisor.model import Fact, FileSummary, LlmCall
from advisor.project.buffering import buffering_facts
from advisor.project.callgraph import CallGraph
from advisor.project.routes import mounted_routes
from advisor.project.streams import with_long_streams
from advisor.project.symbols import ProjectIndex, resolve_pending
from advisor.records import record


@record
class Project:
    """The project's facts with cross-file knowledge, and the call graph that gave it (the
    flowchart walks it again to see what each route's request does)."""

    facts: tuple[Fact, ...]
    graph: CallGraph


def build_project(summaries: Sequence[FileSummary]) -> Project:
    index = ProjectIndex(summaries)
    facts: list[Fact] = []
    for summary in summaries:
        facts.extend(summary.facts)
        if summary.module is not None:
            facts.extend(resolve_pending(summary, index))
    facts = mounted_routes(facts, index)
    graph = CallGraph(index, facts)
    loops = graph.call_loops(f for f in facts if isinstance(f, LlmCall))
    enriched = with_long_streams([graph.enrich(fact) for fact in (*facts, *loops)], facts, graph)
    enriched.extend(buffering_facts(enriched, index))
    return Project(tuple(enriched), graph)


def project_facts(summaries: Sequence[FileSummary]) -> list[Fact]:
    """Every fact of the project, with cross-file knowledge added."""
    return list(build_project(summaries).facts)
