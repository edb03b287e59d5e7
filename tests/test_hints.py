"""Hints from the three places: `# advisor:` comments, the configuration's `hints` table, and
`x-advisor` in specs (shared validation), plus pattern matching and the merge of layers.

ADV003's examples pin the reported cases; these tests pin the parser, the anchors, the facts'
fields, the configuration errors word for word, and the precedence of layers.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import pytest
from support import Run

from advisor.config import load_settings
from advisor.engine import analyze_sources
from advisor.exitcodes import ExitCode
from advisor.facts import summarize_python, summarize_spec
from advisor.hints import (
    METHODS,
    comment_layers,
    config_hints,
    config_layers,
    invalid_value,
    looks_like_hint,
    merge_hints,
    normalize_path,
    parse_hint_comment,
    unknown_hint,
)
from advisor.model import Endpoint, Fact, FunctionHints, Hints, InvalidHint, ResponseConstruction
from advisor.resources import schema
from advisor.settings import Settings

Project = Callable[[Mapping[str, str | bytes]], Path]
RunCli = Callable[..., Run]


# --- the comment parser -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "hints"),
    [
        ("user-facing=false", Hints(user_facing=False)),
        (
            "output=text, expected-output-tokens=1500",
            Hints(output="text", expected_output_tokens=1500),
        ),
        (
            "output=text expected-output-tokens=1500",
            Hints(output="text", expected_output_tokens=1500),
        ),
        ("long-running = True", Hints(long_running=True)),
        ("long-running=FALSE,strategy=async-job", Hints(long_running=False, strategy="async-job")),
        ("strategy=batch -- nobody waits for the nightly run", Hints(strategy="batch")),
        ("user-facing=true  # type: ignore", Hints(user_facing=True)),
        ("user-facing=true, user-facing=true", Hints(user_facing=True)),
    ],
)
def test_valid_comments(body: str, hints: Hints) -> None:
    parsed = parse_hint_comment(body)
    assert parsed.problems == ()
    assert parsed.hints == hints


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        (
            "user_facing=false",
            [
                (
                    "user_facing",
                    "unknown hint 'user_facing' (did you mean 'user-facing'?); hints: "
                    "expected-output-tokens, long-running, output, strategy, user-facing",
                )
            ],
        ),
        (
            "output=json",
            [
                (
                    "output",
                    "'output=json' is invalid; expected one of text, structured, embedding, "
                    "classification",
                )
            ],
        ),
        (
            "expected-output-tokens=-5",
            [
                (
                    "expected-output-tokens",
                    "'expected-output-tokens=-5' is invalid; expected a whole number >= 0",
                )
            ],
        ),
        (
            "expected-output-tokens=1.5k",
            [
                (
                    "expected-output-tokens",
                    "'expected-output-tokens=1.5k' is invalid; expected a whole number >= 0",
                )
            ],
        ),
        (
            "user-facing=yes",
            [("user-facing", "'user-facing=yes' is invalid; expected true or false")],
        ),
        (
            "strategy=1",
            [
                (
                    "strategy",
                    "'strategy=1' is invalid; expected one of stream, sync, batch, async-job",
                )
            ],
        ),
        (
            "long-running",
            [
                (
                    "long-running",
                    "'long-running' is not a hint; write key=value, e.g. user-facing=false",
                )
            ],
        ),
        (
            "long-running: true",
            [
                (
                    "long-running:",
                    "'long-running:' is not a hint; write key=value, e.g. user-facing=false",
                ),
                ("true", "'true' is not a hint; write key=value, e.g. user-facing=false"),
            ],
        ),
        ("", [(None, "empty hint comment; write key=value, e.g. user-facing=false")]),
        (
            "user-facing=true user-facing=false",
            [("user-facing", "'user-facing=false' contradicts 'user-facing=true' before it")],
        ),
    ],
)
def test_invalid_comments(body: str, problems: list[tuple[str | None, str]]) -> None:
    assert list(parse_hint_comment(body).problems) == problems


def test_valid_items_survive_next_to_invalid_ones() -> None:
    parsed = parse_hint_comment("user-facing=false, output=json, strategy=batch")
    assert parsed.hints == Hints(user_facing=False, strategy="batch")
    assert [key for key, _ in parsed.problems] == ["output"]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("user-facing", "maybe"),
        ("user-facing", 1),
        ("expected-output-tokens", True),
        ("expected-output-tokens", -1),
        ("output", "json"),
        ("strategy", "streaming"),
    ],
)
def test_one_validation_for_every_place(key: str, value: object) -> None:
    """The spec reader, the comment parser and the configuration all use the hints schema."""
    assert invalid_value(key, value) is not None
    spec = f"""
        openapi: 3.1.0
        info: {{title: t, version: "1"}}
        paths:
          /a:
            post:
              x-advisor: {{{key}: {value if not isinstance(value, bool) else str(value).lower()}}}
              responses: {{"200": {{description: ok}}}}
        """
    summary = summarize_spec("openapi.yaml", textwrap.dedent(spec).encode(), lambda _: None)
    assert summary is not None
    assert [f.key for f in summary.facts if isinstance(f, InvalidHint)] == [key]


@pytest.mark.parametrize(
    ("body", "meant"),
    [
        ("user-facing=false", True),
        ("userfacing=false", True),
        ("long-running", True),
        ("long-running: true", True),
        ("stream=true", True),
        ("mode=batch", True),
        ("tokens=1500", True),
        ("the account's advisor", False),
        ("dest_num = destination column", False),
        ("TODO: ask the team", False),
        ("", False),
    ],
)
def test_what_reads_as_a_hint(body: str, meant: bool) -> None:
    assert looks_like_hint(body) is meant


def test_unknown_hint_names_the_closest_key() -> None:
    assert unknown_hint("strategy") is None
    message = unknown_hint("longrunning")
    assert message is not None and "(did you mean 'long-running'?)" in message


# --- comments on functions: facts and anchors -------------------------------------------------


def facts_of(source: str, path: str = "app/routes.py") -> list[Fact]:
    return list(summarize_python(path, textwrap.dedent(source).lstrip("\n").encode()).facts)


def hints_of(source: str) -> list[tuple[int, str, Hints]]:
    return [
        (f.evidence.location.line, f.function, f.hints)
        for f in facts_of(source)
        if isinstance(f, FunctionHints)
    ]


def problems_of(source: str) -> list[tuple[int, str | None, str]]:
    return [
        (f.evidence.location.line, f.key, f.message)
        for f in facts_of(source)
        if isinstance(f, InvalidHint)
    ]


NOT_ATTACHED = (
    "hint comment not attached to a function: write it on the `def` line, a decorator line, "
    "or the line just above them"
)


def test_comment_anchors() -> None:
    source = """
        from fastapi import FastAPI
        app = FastAPI()

        # advisor: user-facing=false
        @app.post("/reports")  # advisor: output=text, expected-output-tokens=1500
        @other(
            x=1,  # advisor: strategy=async-job
        )
        async def reports(  # advisor: long-running=true
            topic: str,  # advisor: ignore[ADV201]
        ) -> dict:  # advisor: user-facing=false -- said twice, same value
            return {}

        class Views:
            # advisor: output=structured
            def get(self):  # advisor: user-facing=true
                def inner():  # advisor: strategy=sync
                    pass
    """
    assert hints_of(source) == [
        (4, "app.routes.reports", Hints(user_facing=False)),
        (5, "app.routes.reports", Hints(output="text", expected_output_tokens=1500)),
        (7, "app.routes.reports", Hints(strategy="async-job")),
        (9, "app.routes.reports", Hints(long_running=True)),
        (11, "app.routes.reports", Hints(user_facing=False)),
        (15, "app.routes.Views.get", Hints(output="structured")),
        (16, "app.routes.Views.get", Hints(user_facing=True)),
        (17, "app.routes.Views.get.inner", Hints(strategy="sync")),
    ]
    assert problems_of(source) == []


def test_comments_on_no_function() -> None:
    source = """
        # advisor: user-facing=false

        def spaced():
            pass

        x = 1  # advisor: strategy=sync
        def after_code():
            # advisor: output=text
            return 1

        class Report:  # advisor: long-running=true
            pass
        # advisor: ignore[ADV201]
        # Note for the advisor: prose is not a hint
        # advisor: the account's advisor (prose too)
        # advisor: dest_num = destination column
        # advisor:
    """
    assert hints_of(source) == []
    assert problems_of(source) == [
        (1, None, NOT_ATTACHED),
        (6, None, NOT_ATTACHED),
        (8, None, NOT_ATTACHED),
        (11, None, NOT_ATTACHED),
    ]


def test_a_bare_hint_key_is_reported() -> None:
    source = """
        def handler():  # advisor: long-running
            pass
        def other():  # advisor: userfacing false
            pass
    """
    assert problems_of(source) == [
        (
            1,
            "long-running",
            "'long-running' is not a hint; write key=value, e.g. user-facing=false",
        ),
        (3, "userfacing", "'userfacing' is not a hint; write key=value, e.g. user-facing=false"),
        (3, "false", "'false' is not a hint; write key=value, e.g. user-facing=false"),
    ]


def test_invalid_items_and_contradictions_are_reported_where_written() -> None:
    source = """
        # advisor: user-facing=false
        @route("/a")  # advisor: output=json user-facing=true strategy=stream
        def handler():  # noqa: E501  # advisor: user-facing=false
            pass
    """
    assert hints_of(source) == [
        (1, "app.routes.handler", Hints(user_facing=False)),
        (2, "app.routes.handler", Hints(strategy="stream")),
        (3, "app.routes.handler", Hints(user_facing=False)),
    ]
    assert problems_of(source) == [
        (
            2,
            "output",
            "'output=json' is invalid; expected one of text, structured, embedding, classification",
        ),
        (2, "user-facing", "'user-facing=true' contradicts 'user-facing=false' on line 1"),
    ]


def test_evidence_points_at_the_hint_and_anchors_to_the_function() -> None:
    source = "def handler():  # noqa: E501  # advisor: user-facing=false\n    pass\n"
    (fact,) = [f for f in facts_of(source) if isinstance(f, FunctionHints)]
    assert fact.evidence.location.column == 31
    assert fact.evidence.snippet == source.splitlines()[0]
    assert fact.evidence.function == "handler"
    assert (1, 1) in fact.evidence.anchors


def test_hints_in_dead_code_are_not_misplaced() -> None:
    source = """
        def outer():
            return 1
            def never():  # advisor: user-facing=false
                pass
    """
    assert problems_of(source) == []


def test_a_suppression_on_the_def_line_silences_an_invalid_hint(
    project: Project, run_cli: RunCli
) -> None:
    root = project(
        {
            "app.py": """
                @route("/a")  # advisor: userfacing=false
                def handler():  # advisor: ignore[ADV003]
                    pass

                @route("/b")  # advisor: userfacing=false
                def other():
                    pass
                """
        }
    )
    result = run_cli("check", "-q", cwd=root)
    assert result.out.splitlines() == [
        "app.py:5:15: ADV003 unknown hint 'userfacing' (did you mean 'user-facing'?); hints: "
        "expected-output-tokens, long-running, output, strategy, user-facing"
    ]


def test_long_running_reads_the_shared_parser() -> None:
    """ResponseConstruction.long_running: the handler's hint, overridden by the generator's;
    an invalid value is no hint."""
    source = """
        from fastapi.responses import StreamingResponse

        async def gen():  # advisor: long-running=false
            yield "data: 1\\n\\n"

        @app.get("/a")  # advisor: long-running=true, user-facing=true
        async def a():
            return StreamingResponse(gen(), media_type="text/event-stream")

        async def other():
            yield "data: 1\\n\\n"

        @app.get("/b")  # advisor: long-running=True
        async def b():
            return StreamingResponse(other(), media_type="text/event-stream")

        @app.get("/c")  # advisor: long-running=maybe
        async def c():
            return StreamingResponse(other(), media_type="text/event-stream")
    """
    found = [f.long_running for f in facts_of(source) if isinstance(f, ResponseConstruction)]
    assert found == [False, True, None]


def test_comment_layers_label_each_comment() -> None:
    facts = facts_of(
        """
        # advisor: user-facing=false
        def handler():  # advisor: output=text
            pass
        def other():  # advisor: strategy=sync
            pass
        """
    )
    assert comment_layers(facts, "app.routes.handler") == [
        (Hints(user_facing=False), "app/routes.py:1 # advisor:"),
        (Hints(output="text"), "app/routes.py:2 # advisor:"),
    ]


# --- configuration ------------------------------------------------------------------------


def test_hints_table_in_pyproject(project: Project) -> None:
    root = project(
        {
            "pyproject.toml": """
                [tool.advisor.hints]
                "POST /v1/reports" = { user-facing = false }
                "* /internal/**" = { long-running = true, expected-output-tokens = 1500 }
                "app.jobs.*" = { user-facing = false, strategy = "batch" }
                """
        }
    )
    settings = load_settings([root])
    assert settings.endpoint_hints == (
        ("POST /v1/reports", Hints(user_facing=False)),
        ("* /internal/**", Hints(long_running=True, expected_output_tokens=1500)),
        ("app.jobs.*", Hints(user_facing=False, strategy="batch")),
    )
    hash(settings)  # frozen and hashable: it keys caches and travels to workers


def test_hints_table_in_advisor_yaml(project: Project) -> None:
    root = project(
        {
            ".advisor.yaml": """
                hints:
                  "GET /users/<int:id>": {output: structured}
                  "app.views.*": {user-facing: true}
                """
        }
    )
    assert load_settings([root]).endpoint_hints == (
        ("GET /users/<int:id>", Hints(output="structured")),
        ("app.views.*", Hints(user_facing=True)),
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            '"/v1/reports" = { user-facing = false }',
            "'hints': pattern '/v1/reports' has no method; write '* /v1/reports' for every "
            "method, or one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE, QUERY "
            "before the path",
        ),
        (
            '"post /v1/reports" = { user-facing = false }',
            "'hints': pattern 'post /v1/reports': write the method in upper case, "
            "'POST /v1/reports'",
        ),
        (
            '"SEND /v1/reports" = { user-facing = false }',
            "'hints': pattern 'SEND /v1/reports': 'SEND' is not an HTTP method (GET, HEAD, POST, "
            "PUT, PATCH, DELETE, OPTIONS, TRACE, QUERY or *)",
        ),
        (
            '"POST v1/reports" = { user-facing = false }',
            "'hints': pattern 'POST v1/reports': the path must start with '/'",
        ),
        (
            '"app/jobs.py" = { user-facing = false }',
            "'hints': pattern 'app/jobs.py' is not valid; expected 'METHOD /path' (the path may "
            "use * within a segment, ** across segments, ? for one character) or a dotted "
            "handler name glob such as app.jobs.*",
        ),
        (
            '"POST /v1/reports" = { userfacing = false }',
            "unknown key 'hints.\"POST /v1/reports\".userfacing' (did you mean 'user-facing'?); "
            "allowed keys: expected-output-tokens, long-running, output, strategy, user-facing",
        ),
        (
            '"POST /v1/reports" = { user-facing = "no" }',
            "'hints.\"POST /v1/reports\".user-facing': expected true or false, got string 'no'",
        ),
        (
            '"POST /v1/reports" = { output = "json" }',
            "'hints.\"POST /v1/reports\".output': expected one of 'text', 'structured', "
            "'embedding', 'classification', got 'json'",
        ),
        (
            '"POST /v1/reports" = { expected-output-tokens = -1 }',
            "'hints.\"POST /v1/reports\".expected-output-tokens': expected a number >= 0, got -1",
        ),
        (
            '"POST /v1/reports" = { expected-output-tokens = 1.5 }',
            "'hints.\"POST /v1/reports\".expected-output-tokens': expected an integer, got "
            "number 1.5",
        ),
        (
            "app.jobs.run = { user-facing = false }",
            "'hints.app': write the pattern in quotes, \"app.jobs.run\" = { ... }; without "
            "them TOML reads its dots as nested tables",
        ),
        (
            '"app.jobs.*" = true',
            "'hints.\"app.jobs.*\"': expected a table/mapping, got boolean true",
        ),
    ],
)
def test_invalid_hints_table_exits_2_naming_file_key_and_expectation(
    project: Project, run_cli: RunCli, entry: str, message: str
) -> None:
    root = project({"pyproject.toml": "[tool.advisor.hints]\n" + entry + "\n", "a.py": ""})
    result = run_cli("check", cwd=root)
    assert result.status == ExitCode.ERROR
    assert result.err == f"advisor: error: pyproject.toml: [tool.advisor]: {message}\n"


def test_invalid_hints_in_yaml_name_the_file(project: Project, run_cli: RunCli) -> None:
    root = project({".advisor.yaml": "hints: [POST /a]\n", "a.py": ""})
    result = run_cli("check", cwd=root)
    assert result.status == ExitCode.ERROR
    assert (
        result.err
        == "advisor: error: .advisor.yaml: 'hints': expected a table/mapping, got a list\n"
    )


def test_the_schema_and_the_messages_know_the_same_methods() -> None:
    pattern = schema("config.schema.json")["$defs"]["hint-pattern"]["pattern"]
    assert "|".join(("\\*", *METHODS)) in pattern


# --- patterns -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        ("/users/{user_id}", "/users/{}"),
        ("/users/<int:uid>", "/users/{}"),
        ("/users/<uid>", "/users/{}"),
        ("/users/:id", "/users/{}"),
        ("/files/{path:path}", "/files/{}"),
        ("/users/{id}/posts/{post_id}/", "/users/{}/posts/{}"),
        ("users/<int:pk>/", "/users/{}"),
        ("^users/(?P<pk>[0-9]+)/$", "/users/{}"),
        ("/v1/models/{model}:generateContent", "/v1/models/{}:generateContent"),
        ("/a//b", "/a/b"),
        ("/", "/"),
        ("", "/"),
        ("/time:now", "/time:now"),
        ("/users/{uid:\\d+}", "/users/{}"),
        ("/files/{name:[^/]+}", "/files/{}"),
    ],
)
def test_normalize_path(path: str, normal: str) -> None:
    assert normalize_path(path) == normal


def settings_with(*entries: tuple[str, Hints]) -> Settings:
    return Settings(
        root=Path("/nonexistent"), config_path=Path("/x/.advisor.yaml"), endpoint_hints=entries
    )


FALSE = Hints(user_facing=False)


@pytest.mark.parametrize(
    ("pattern", "method", "path", "handler", "matches"),
    [
        ("POST /v1/reports", "POST", "/v1/reports", None, True),
        ("POST /v1/reports", "post", "/v1/reports/", None, True),
        ("POST /v1/reports", "GET", "/v1/reports", None, False),
        ("POST /v1/reports", None, "/v1/reports", None, False),
        ("* /v1/reports", None, "/v1/reports", None, True),
        ("* /v1/reports", "DELETE", "/v1/reports", None, True),
        ("GET /users/{id}", "GET", "/users/<int:user_id>", None, True),
        ("GET /users/<int:id>", "GET", "/users/{user_id}", None, True),
        ("GET /users/:id", "GET", "/users/{uid}", None, True),
        ("GET /users/{id}", "GET", "/users/me", None, False),
        ("GET /users/*", "GET", "/users/me", None, True),
        ("GET /users/*", "GET", "/users/{id}", None, True),
        ("GET /users/*", "GET", "/users/{id}/posts", None, False),
        ("* /internal/**", "POST", "/internal", None, True),
        ("* /internal/**", "POST", "/internal/a/b/{id}", None, True),
        ("* /internal/**", "POST", "/internals", None, False),
        ("* /**/stream", "GET", "/stream", None, True),
        ("* /**/stream", "GET", "/v1/chat/stream", None, True),
        ("* /v?/chat", "GET", "/v2/chat", None, True),
        ("* /v1/chat", "GET", None, "app.chat", False),
        ("app.jobs.*", None, None, "app.jobs.nightly", True),
        ("app.jobs.*", None, None, "app.jobs.Worker.run", True),
        ("app.jobs.*", None, None, "app.jobsx.run", False),
        ("app.jobs.*", "POST", "/app/jobs/x", None, False),
        ("app.*.run", None, None, "app.jobs.Worker.run", True),
    ],
)
def test_pattern_matching(
    pattern: str, method: str | None, path: str | None, handler: str | None, matches: bool
) -> None:
    found = config_hints(settings_with((pattern, FALSE)), method, path, handler)
    assert found == ([(pattern, FALSE)] if matches else [])


def test_config_hints_least_specific_first_ties_in_file_order() -> None:
    settings = settings_with(
        ("POST /v1/reports", Hints(strategy="async-job")),
        ("* /v1/**", Hints(user_facing=True)),
        ("app.reports.*", Hints(output="text")),
        ("* /v1/reports", Hints(long_running=True)),
        ("POST /v1/report?", Hints(expected_output_tokens=10)),
        ("app.other.*", Hints(output="structured")),
        ("POST /v1/*", Hints(long_running=False)),
    )
    found = config_hints(settings, "POST", "/v1/reports", "app.reports.create")
    assert [pattern for pattern, _ in found] == [
        "* /v1/**",  # 5 literal characters
        "POST /v1/*",  # 8
        "app.reports.*",  # 12
        "* /v1/reports",  # 12, later in the file
        "POST /v1/report?",  # 14
        "POST /v1/reports",  # 15
    ]
    assert config_layers(settings, "POST", "/v1/reports", None)[-1] == (
        Hints(strategy="async-job"),
        ".advisor.yaml: hints 'POST /v1/reports'",
    )


def test_no_hints_table_matches_nothing() -> None:
    assert config_hints(Settings(root=Path("/x")), "GET", "/a", "app.a") == []


# --- merging layers -------------------------------------------------------------------------


def test_merge_later_layers_win_field_by_field() -> None:
    merged, sources = merge_hints(
        [
            (
                Hints(user_facing=False, long_running=True, output="text"),
                ".advisor.yaml: hints 'POST /v1/reports'",
            ),
            (Hints(user_facing=True, strategy="stream"), "openapi.yaml:12 x-advisor"),
            (Hints(output="structured", long_running=None), "app/routes.py:30 # advisor:"),
        ]
    )
    assert merged == Hints(
        user_facing=True, long_running=True, output="structured", strategy="stream"
    )
    assert sources == {
        "user_facing": "openapi.yaml:12 x-advisor",
        "long_running": ".advisor.yaml: hints 'POST /v1/reports'",
        "output": "app/routes.py:30 # advisor:",
        "strategy": "openapi.yaml:12 x-advisor",
    }


def test_merge_keeps_false_and_zero() -> None:
    merged, sources = merge_hints(
        [
            (Hints(user_facing=True, expected_output_tokens=500), "a"),
            (Hints(user_facing=False, expected_output_tokens=0), "b"),
        ]
    )
    assert merged == Hints(user_facing=False, expected_output_tokens=0)
    assert sources == {"user_facing": "b", "expected_output_tokens": "b"}


def test_merge_of_nothing() -> None:
    assert merge_hints([]) == (Hints(), {})
    assert merge_hints([(Hints(), "a")]) == (Hints(), {})


def test_merge_is_pure() -> None:
    first = Hints(user_facing=True)
    merge_hints([(first, "a"), (replace(first, user_facing=False), "b")])
    assert first == Hints(user_facing=True)


# --- the flowchart reads all three places ---------------------------------------------------

HANDLER = """
    from fastapi import FastAPI
    from openai import OpenAI

    app = FastAPI()
    client = OpenAI()


    @app.post("/v1/reports"){comment}
    def create_report(topic: str):
        reply = client.chat.completions.create(model="m", messages=[topic])
        return {{"report": reply.choices[0].message.content}}
    """

SPEC = """
    openapi: 3.1.0
    info: {title: t, version: "1"}
    paths:
      /v1/reports:
        post:
          operationId: create_report
          x-advisor: {output: structured, expected-output-tokens: 300}
          responses: {"200": {description: ok}}
    """


def report_endpoint(
    comment: str = "", spec: bool = False, hints: tuple[tuple[str, Hints], ...] = ()
) -> Endpoint:
    files = {"app.py": HANDLER.format(comment=comment)}
    if spec:
        files["openapi.yaml"] = SPEC
    sources = {path: textwrap.dedent(text).lstrip().encode() for path, text in files.items()}
    settings = Settings(
        root=Path("/nonexistent"), config_path=Path("/x/.advisor.yaml"), endpoint_hints=hints
    )
    (found,) = [
        e for e in analyze_sources(sources, settings).endpoints if e.label.startswith("POST")
    ]
    return found


def test_without_hints_the_length_is_an_open_question() -> None:
    assert report_endpoint().needs_review


def test_a_comment_hint_changes_the_verdict() -> None:
    found = report_endpoint("  # advisor: user-facing=false")
    assert found.recommended == "batch"
    assert found.waiting.source == "hint"
    assert "app.py:8 # advisor:" in found.waiting.reason


def test_a_configuration_hint_changes_the_verdict() -> None:
    found = report_endpoint(hints=(("app.create_*", Hints(long_running=True)),))
    assert found.recommended == "async-job"
    assert ".advisor.yaml: hints 'app.create_*'" in found.outlasts.reason


def test_comment_beats_spec_beats_configuration() -> None:
    config = (("POST /v1/reports", Hints(output="text", expected_output_tokens=2000)),)
    assert report_endpoint(hints=config).recommended == "stream"
    assert report_endpoint(spec=True, hints=config).recommended == "sync"
    found = report_endpoint(
        "  # advisor: output=text, expected-output-tokens=1500", spec=True, hints=config
    )
    assert found.recommended == "stream"
    assert found.hints == Hints(output="text", expected_output_tokens=1500)
