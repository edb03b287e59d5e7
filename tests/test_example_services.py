"""The example services have tests of their own, run without the network and without their
frameworks installed: every file compiles, every module of the services imports, and the
streaming endpoints and the streaming client behave (the frameworks and SDKs are replaced by
small stand-ins that record what the code hands them). The same checks run on the examples as
they are and on a copy that `advisor check --fix` rewrote: the fixes remove every fixable
finding, a second run changes nothing, and the services still behave, now with the fix."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import io
import shutil
import sys
import types
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support import REPO, Run

from advisor.exitcodes import ExitCode

RunCli = Callable[..., Run]
NO_BUFFERING = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class Anything:
    """Whatever a module-level line of an example needs from a library it does not test:
    callable, any attribute, a decorator that returns the function it decorates."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __getattr__(self, name: str) -> Anything:
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything()

    def __call__(self, *args: object, **kwargs: object) -> Any:
        if len(args) == 1 and not kwargs and isinstance(args[0], types.FunctionType):
            return args[0]
        return Anything()


class Recorded:
    """A response class: keeps what it was built with."""

    def __init__(self, content: object = None, *args: object, **kwargs: Any) -> None:
        self.content = content
        self.args = args
        self.kwargs = kwargs

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.kwargs.get("headers") or {})


class BaseModel:
    def __init__(self, **fields: object) -> None:
        for name, value in fields.items():
            setattr(self, name, value)


def _module(name: str, **names: object) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(names)

    def attribute(name: str) -> Anything:
        if name.startswith("__"):
            raise AttributeError(name)
        return Anything()

    module.__getattr__ = attribute  # type: ignore[method-assign]
    return module


STAND_INS = (
    "fastapi",
    "fastapi.responses",
    "sse_starlette",
    "pydantic",
    "openai",
    "anthropic",
    "flask",
    "httpx",
    "requests",
    "streamlit",
)


@contextlib.contextmanager
def services(root: Path, flask_request: object = None) -> Iterator[dict[str, types.ModuleType]]:
    """Import paths of the example services under `root`, with stand-in libraries."""
    saved_modules = dict(sys.modules)
    saved_path = list(sys.path)
    for name in ("app", "reports_app", "client", "llm"):
        for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[loaded]
    stand_ins = {
        "fastapi": _module("fastapi"),
        "fastapi.responses": _module("fastapi.responses", StreamingResponse=Recorded),
        "sse_starlette": _module("sse_starlette", EventSourceResponse=Recorded),
        "pydantic": _module("pydantic", BaseModel=BaseModel),
        "openai": _module("openai"),
        "anthropic": _module("anthropic"),
        "flask": _module(
            "flask",
            Response=Recorded,
            request=flask_request or Anything(),
            stream_with_context=lambda body: body,
        ),
        "httpx": _module("httpx"),
        "requests": _module("requests"),
        "streamlit": _module("streamlit"),
    }
    sys.modules.update(stand_ins)
    sys.path[:0] = [
        str(root / "chat-service"),
        str(root / "flask-service"),
        str(root / "streaming-client"),
    ]
    try:
        yield stand_ins
    finally:
        sys.modules.clear()
        sys.modules.update(saved_modules)
        sys.path[:] = saved_path


def check_compiles(root: Path) -> None:
    files = sorted(root.rglob("*.py"))
    assert files
    for path in files:
        compile(path.read_bytes(), str(path), "exec")


def check_imports(root: Path) -> None:
    with services(root):
        for name in ("app.main", "reports_app", "client"):
            importlib.import_module(name)


class _Delta:
    def __init__(self, text: str) -> None:
        self.choices = [types.SimpleNamespace(delta=types.SimpleNamespace(content=text))]


async def _chunks(texts: list[str]) -> AsyncIterator[_Delta]:
    for text in texts:
        yield _Delta(text)


async def _collect(body: AsyncIterator[str]) -> list[str]:
    return [piece async for piece in body]


def check_chat_service(root: Path, *, fixed: bool) -> None:
    """`POST /v1/chat/legacy` streams SSE frames of the model's text."""
    with services(root):
        chat = importlib.import_module("app.routes.chat")
        client = types.SimpleNamespace()

        async def create(**kwargs: object) -> AsyncIterator[_Delta]:
            return _chunks(["Hel", "lo"])

        client.chat = types.SimpleNamespace(completions=types.SimpleNamespace(create=create))
        body = chat.ChatRequest(messages=[{"role": "user", "content": "hi"}])
        response = asyncio.run(chat.chat_legacy(body, client))
        assert response.kwargs["media_type"] == "text/event-stream"
        frames = asyncio.run(_collect(response.content))
        assert frames == [
            'event: delta\ndata: {"text": "Hel"}\n\n',
            'event: delta\ndata: {"text": "lo"}\n\n',
            "event: done\ndata: {}\n\n",
        ]
        if fixed:
            assert response.headers == NO_BUFFERING


def check_flask_service(root: Path, *, fixed: bool) -> None:
    """`POST /api/chat/stream/v0` streams SSE frames of Claude's text."""
    request = types.SimpleNamespace(get_json=lambda: {"question": "hi"})
    with services(root, flask_request=request):
        chat = importlib.import_module("reports_app.chat")
        llm = importlib.import_module("reports_app.llm")

        @contextlib.contextmanager
        def stream(**kwargs: object) -> Iterator[object]:
            yield types.SimpleNamespace(text_stream=iter(["Hel", "lo"]))

        llm.client = types.SimpleNamespace(messages=types.SimpleNamespace(stream=stream))
        response = chat.stream_v0()
        assert response.kwargs["mimetype"] == "text/event-stream"
        assert list(response.content) == [
            'event: delta\ndata: {"text": "Hel"}\n\n',
            'event: delta\ndata: {"text": "lo"}\n\n',
            "event: done\ndata: {}\n\n",
        ]
        if fixed:
            assert response.headers == NO_BUFFERING


def _printed_by_chat_raw(root: Path, chunks: list[bytes]) -> str:
    with services(root) as stand_ins:

        @contextlib.contextmanager
        def stream(*args: object, **kwargs: object) -> Iterator[object]:
            yield types.SimpleNamespace(iter_bytes=lambda: iter(chunks))

        stand_ins["httpx"].stream = stream  # type: ignore[attr-defined]
        client = importlib.import_module("client")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            client.chat_raw("hi")
        return out.getvalue()


def check_streaming_client(root: Path, *, fixed: bool) -> None:
    """`chat_raw` prints the body as it arrives."""
    whole = ["Grüße, ".encode(), "世界".encode(), b"!"]
    assert _printed_by_chat_raw(root, whole) == "Grüße, 世界!"
    if fixed:  # a character split between two chunks now comes out whole
        split = [b"Gr", "ü".encode()[:1], "ü".encode()[1:] + "ße".encode()]
        assert _printed_by_chat_raw(root, split) == "Grüße"


def check_services(root: Path, *, fixed: bool) -> None:
    check_compiles(root)
    check_imports(root)
    check_chat_service(root, fixed=fixed)
    check_flask_service(root, fixed=fixed)
    check_streaming_client(root, fixed=fixed)


def test_the_example_services_behave() -> None:
    check_services(REPO / "examples", fixed=False)


FIXABLE = {
    ("examples/chat-service/app/routes/chat.py", "ADV201"),
    ("examples/flask-service/reports_app/chat.py", "ADV201"),
    ("examples/streaming-client/client.py", "ADV301"),
}


def _findings(result: Run) -> set[tuple[str, str]]:
    return {
        (line.split(":")[0], line.split()[1])
        for line in result.out.splitlines()
        if not line.startswith(" ") and ": ADV" in line
    }


def test_fixing_the_examples_removes_every_fixable_finding(tmp_path: Path, run_cli: RunCli) -> None:
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    before = _findings(run_cli("check", "-q", "examples", cwd=tmp_path))
    assert before >= FIXABLE
    fixed = run_cli("check", "--fix", "examples", cwd=tmp_path)
    assert fixed.err == "Fixed 3 findings in 3 files.\n"
    assert _findings(fixed) == before - FIXABLE
    assert fixed.status == ExitCode.FINDINGS  # the findings without a fix remain
    snapshot = {p: p.read_bytes() for p in (tmp_path / "examples").rglob("*") if p.is_file()}
    again = run_cli("check", "--fix", "examples", cwd=tmp_path)
    assert again.err == "No fixes applied.\n"
    assert {p: p.read_bytes() for p in snapshot} == snapshot
    check_services(tmp_path / "examples", fixed=True)


@pytest.mark.parametrize("name", STAND_INS)
def test_the_stand_ins_do_not_leak(name: str) -> None:
    """The checks put the real modules (or their absence) back."""
    with services(REPO / "examples"):
        pass
    module = sys.modules.get(name)
    assert module is None or getattr(module, "__file__", None) is not None


def test_the_readme_shows_the_real_diff(run_cli: RunCli) -> None:
    """README's `advisor check --diff examples/` block is the start of what it prints."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    marker = "```console\n$ advisor check --diff examples/\n"
    shown = readme[readme.index(marker) + len(marker) :].split("...\n```", 1)[0]
    actual = run_cli("check", "--diff", "examples/", cwd=REPO)
    assert actual.status == ExitCode.FINDINGS
    assert actual.out.startswith(shown)
