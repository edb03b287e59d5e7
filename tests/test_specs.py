"""The spec side: reading, `$ref` resolution under hostile input, and endpoint facts."""

from __future__ import annotations

import socket
import textwrap
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from advisor.engine import analyze, analyze_sources
from advisor.model import SpecOperation
from advisor.settings import Settings

Project = Callable[[Mapping[str, str | bytes]], Path]
SETTINGS = Settings(root=Path("/nonexistent"))


def run(files: Mapping[str, str]) -> list[tuple[str, str, int]]:
    """(code, path, line) of every finding when `files` is the project."""
    sources = {name: textwrap.dedent(text).lstrip().encode() for name, text in files.items()}
    result = analyze_sources(sources, SETTINGS)
    return [(f.code, f.location.path, f.location.line) for f in result.findings]


def operations(text: str, **other_files: str) -> dict[str, SpecOperation]:
    sources = {
        name.replace("__", "/"): textwrap.dedent(t).lstrip().encode()
        for name, t in other_files.items()
    }
    sources["openapi.yaml"] = textwrap.dedent(text).lstrip().encode()
    from advisor.facts import summarize
    from advisor.facts.spec.documents import memory_reader

    summary = summarize(
        "openapi.yaml", "data", sources["openapi.yaml"], SETTINGS, read=memory_reader(sources)
    )
    assert summary is not None
    return {f"{f.method} {f.path}": f for f in summary.facts if isinstance(f, SpecOperation)}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the advisor tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# ---------------------------------------------------------------------------------------------
# $ref resolution: each point of the issue, with the run going on.


def test_thousand_level_nesting_is_read(no_network: None) -> None:
    depth = 1000
    nested = "".join("  " * i + "- \n" for i in range(depth)).replace("- \n", "-\n")
    block = (
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-deep:\n"
        + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(depth))
        + "  " * (depth + 1)
        + "leaf: 1\n"
    )
    flow = '{"openapi": "3.0.0", "paths": {}, "x": ' + "[" * depth + "]" * depth + "}"
    assert nested  # (shape kept for readability of the two documents below)
    result = analyze_sources(
        {"deep.yaml": block.encode(), "deep.json": flow.encode(), "ok.py": b"x = 1\n"}, SETTINGS
    )
    assert result.findings == ()
    assert result.files == ("deep.json", "deep.yaml", "ok.py")


def test_nesting_beyond_what_can_be_analysed_is_adv001(no_network: None) -> None:
    flow = "openapi: 3.0.0\nx: " + "[" * 20000 + "]" * 20000 + "\n"
    result = analyze_sources({"abyss.yaml": flow.encode(), "ok.py": b"x = 1\n"}, SETTINGS)
    assert [(f.code, f.location.path) for f in result.findings] == [("ADV001", "abyss.yaml")]
    assert "nested more than 3,000 levels" in result.findings[0].message
    assert "ok.py" in result.files


def test_deep_block_nesting_is_adv001_not_a_crash(no_network: None) -> None:
    """Block nesting this deep overflows the fast YAML reader's stack (a crash that no
    exception handler sees); it must never be given such a document."""
    depth = 20_000
    block = "openapi: 3.0.0\nx:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(depth))
    result = analyze_sources({"abyss.yaml": block.encode(), "ok.py": b"x = 1\n"}, SETTINGS)
    assert [(f.code, f.location.path) for f in result.findings] == [("ADV001", "abyss.yaml")]
    assert "ok.py" in result.files


def test_alias_bomb_stays_bounded(no_network: None) -> None:
    lines = ["openapi: 3.0.3", "info: {title: t, version: '1'}", "x-l0: &l0 {type: string}"]
    for level in range(1, 40):  # 10**39 paths if expanded
        lines.append(f"x-l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    lines += [
        "paths:",
        "  /a:",
        "    post:",
        "      requestBody: {content: {application/json: {schema: {allOf: [*l39]}}}}",
        "      responses: {'200': {description: ok, content: {application/json: {schema: *l39}}}}",
    ]
    started = time.perf_counter()
    result = analyze_sources({"bomb.yaml": "\n".join(lines).encode()}, SETTINGS)
    assert time.perf_counter() - started < 20  # a guard against expansion, not a benchmark
    assert result.findings == ()


def test_files_referencing_each_other(no_network: None) -> None:
    files = {
        "openapi.yaml": """
            openapi: 3.1.0
            info: {title: t, version: "1"}
            paths:
              /items:
                $ref: paths/items.yaml
            """,
        "paths/items.yaml": """
            get:
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: "../schemas/item.yaml#/Item"}
            """,
        "schemas/item.yaml": """
            Item:
              type: object
              properties:
                owner: {$ref: "../paths/items.yaml#/get/responses/200/content/application~1json/schema"}
                parent: {$ref: "#/Item"}
                broken: {$ref: "../paths/items.yaml#/get/responses/404"}
            """,
    }
    assert run(files) == [("ADV002", "schemas/item.yaml", 6)]


def test_remote_refs_are_never_fetched(no_network: None) -> None:
    findings = run(
        {
            "openapi.yaml": """
                openapi: 3.0.3
                info: {title: t, version: "1"}
                paths:
                  /a:
                    get:
                      responses:
                        "200": {$ref: "https://example.com/responses.yaml#/Ok"}
                        "404": {$ref: "http://example.com/responses.yaml#/NotFound"}
                """
        }
    )
    assert findings == [("ADV002", "openapi.yaml", 7), ("ADV002", "openapi.yaml", 8)]


def test_refs_escaping_the_root_are_refused(
    no_network: None, project: Project, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "schemas.yaml").write_text("Item: {type: object}\n")
    root = project(
        {
            "specs/openapi.yaml": f"""
                openapi: 3.1.0
                info: {{title: t, version: "1"}}
                paths: {{}}
                components:
                  schemas:
                    A: {{$ref: "../../{outside.name}/schemas.yaml#/Item"}}
                    B: {{$ref: "{outside}/schemas.yaml#/Item"}}
                    C: {{$ref: "file://{outside}/schemas.yaml#/Item"}}
                    D: {{$ref: "linked.yaml#/Item"}}
                """,
        }
    )
    (root / "specs" / "linked.yaml").symlink_to(outside / "schemas.yaml")
    result = analyze([root])
    found = [(f.code, f.location.line) for f in result.findings]
    assert found == [("ADV002", 6), ("ADV002", 7), ("ADV002", 8), ("ADV002", 9)]
    assert all("outside the project root" in f.message for f in result.findings)


def test_broken_pointer_names_pointer_and_place() -> None:
    sources = {
        "openapi.yaml": b"openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"
        b"components:\n  schemas:\n    A: {$ref: '#/components/schemas/Missing~1Thing'}\n"
    }
    (finding,) = analyze_sources(sources, SETTINGS).findings
    assert (finding.code, finding.location.line, finding.location.column) == ("ADV002", 6, 9)
    assert finding.message == (
        "'#/components/schemas/Missing~1Thing': openapi.yaml has nothing at "
        "/components/schemas/Missing~1Thing"
    )
    assert finding.evidence.pointer == "/components/schemas/A/$ref"


def test_long_chain_of_references_resolves() -> None:
    schemas = "".join(f"    S{i}: {{$ref: '#/components/schemas/S{i + 1}'}}\n" for i in range(1000))
    text = (
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        + schemas
        + "    S1000: {type: string}\n"
    )
    assert analyze_sources({"openapi.yaml": text.encode()}, SETTINGS).findings == ()


# ---------------------------------------------------------------------------------------------
# Endpoint facts.


def test_strategies_and_stream_flags() -> None:
    ops = operations(
        """
        openapi: 3.1.0
        info: {title: t, version: "1"}
        paths:
          /chat:
            post:
              requestBody:
                content:
                  application/json:
                    schema: {$ref: "#/components/schemas/ChatRequest"}
              responses:
                "200":
                  description: ok
                  content:
                    application/json: {schema: {type: object}}
                    text/event-stream; charset=utf-8: {schema: {type: string}}
          /generate:
            post:
              responses:
                "200": {description: ok, content: {application/x-ndjson: {schema: {type: object}}}}
          /titles:
            post:
              responses:
                "200": {description: ok, content: {application/json: {schema: {type: object}}}}
                "204": {description: nothing}
          /reports:
            post:
              responses:
                "202":
                  description: started
                  headers: {Location: {schema: {type: string}}, Retry-After: {schema: {type: integer}}}
          /reports/{id}:
            get:
              parameters:
                - {name: Last-Event-ID, in: header, schema: {type: string}}
              responses:
                "200": {description: ok, content: {text/event-stream: {schema: {type: string}}}}
        components:
          schemas:
            ChatRequest:
              oneOf:
                - $ref: "#/components/schemas/Base"
            Base:
              type: object
              required: [response_format]
              properties:
                stream: {type: [boolean, "null"], default: false}
                response_format: {type: object}
                max_completion_tokens: {type: integer, maximum: 4096, default: 512}
        """
    )
    chat = ops["POST /chat"]
    assert chat.strategies == ("stream", "sync")
    assert chat.streaming_media_types == ("text/event-stream",)
    assert (chat.stream_flag, chat.stream_flag_default) == ("body", False)
    assert chat.stream_flag_at is not None and chat.stream_flag_at.location.line == 46
    assert (chat.structured_request, chat.structured_required) == (("response_format",), True)
    assert (chat.max_tokens_parameter, chat.output_token_cap, chat.output_token_default) == (
        "max_completion_tokens",
        4096,
        512,
    )
    assert ops["POST /generate"].strategies == ("stream",)
    assert ops["POST /titles"].strategies == ("sync",)
    reports = ops["POST /reports"]
    assert reports.strategies == ("async-job",)
    assert reports.accepted_headers == ("location", "retry-after")
    assert (reports.accepted_job_like, reports.accepted_handle) == (True, True)
    assert reports.job_status_operation == "GET /reports/{id}"
    events = ops["GET /reports/{id}"]
    assert (events.last_event_id, events.long_stream) == (True, True)


def test_swagger_2_and_openapi_3_2_shapes() -> None:
    swagger = operations(
        """
        swagger: "2.0"
        info: {title: t, version: "1"}
        produces: [application/json]
        paths:
          /events:
            get:
              produces: [text/event-stream]
              parameters:
                - {name: stream, in: query, type: boolean, default: true}
              responses: {"200": {description: ok, schema: {type: string}}}
          /items:
            post:
              parameters:
                - {name: body, in: body, schema: {properties: {max_tokens: {type: integer, maximum: 50}}}}
              responses: {"200": {description: ok, schema: {type: object}}}
        """
    )
    assert swagger["GET /events"].strategies == ("stream",)
    assert swagger["GET /events"].stream_flag_default is True
    assert swagger["POST /items"].output_token_cap == 50
    modern = operations(
        """
        openapi: 3.2.0
        info: {title: t, version: "1"}
        paths:
          /search:
            query:
              responses:
                "200":
                  description: ok
                  content:
                    text/event-stream:
                      itemSchema: {type: object, properties: {id: {type: string}, data: {type: string}}}
            additionalOperations:
              PURGE:
                responses: {"204": {description: gone}}
        """
    )
    assert modern["QUERY /search"].event_id_declared is True
    assert modern["PURGE /search"].strategies == ("sync",)


def test_operations_in_referenced_files_point_into_them() -> None:
    findings = run(
        {
            "openapi.yaml": """
                openapi: 3.0.3
                info: {title: t, version: "1"}
                paths:
                  /completions:
                    post:
                      $ref: ops/completions.yaml
                """,
            "ops/completions.yaml": """
                operationId: complete
                requestBody:
                  content:
                    application/json:
                      schema: {$ref: "../schemas.yaml#/Request"}
                responses:
                  "200": {description: ok, content: {application/json: {schema: {type: object}}}}
                """,
            "schemas.yaml": """
                Request:
                  type: object
                  properties:
                    prompt: {type: string}
                    stream: {type: boolean}
                """,
        }
    )
    assert findings == [("ADV601", "schemas.yaml", 5)]


def test_x_advisor_ignore_in_a_referenced_operation_and_on_the_path_item() -> None:
    stream_op = """
        requestBody:
          content:
            application/json:
              schema: {properties: {stream: {type: boolean}}}
        responses:
          "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        """
    findings = run(
        {
            "openapi.yaml": """
                openapi: 3.0.3
                info: {title: t, version: "1"}
                paths:
                  /a:
                    post: {$ref: ops/a.yaml}
                  /b:
                    x-advisor-ignore: [ADV601]
                    post: {$ref: ops/b.yaml}
                  /c:
                    post: {$ref: ops/c.yaml}
                """,
            "ops/a.yaml": "x-advisor-ignore: [ADV601]\n" + textwrap.dedent(stream_op).lstrip(),
            "ops/b.yaml": textwrap.dedent(stream_op).lstrip(),
            "ops/c.yaml": textwrap.dedent(stream_op).lstrip(),
        }
    )
    assert findings == [("ADV601", "ops/c.yaml", 4)]


def test_hints_inherit_document_then_path_item_then_operation() -> None:
    ops = operations(
        """
        openapi: 3.1.0
        x-advisor: {user-facing: false, output: text}
        info: {title: t, version: "1"}
        paths:
          /a:
            x-advisor: {long-running: true}
            get:
              x-advisor: {output: structured, expected-output-tokens: 40}
              responses: {"200": {description: ok}}
        """
    )
    hints = ops["GET /a"].hints
    assert (hints.user_facing, hints.long_running, hints.output, hints.expected_output_tokens) == (
        False,
        True,
        "structured",
        40,
    )
