"""What counts as test code (its findings are not reported unless `include-tests` is set)."""

from __future__ import annotations

import pytest

from advisor.testcode import is_test_code


@pytest.mark.parametrize(
    ("path", "function", "expected"),
    [
        ("app/chat.py", "stream", False),
        ("app/chat.py", None, False),
        ("app/contest.py", "stream", False),
        ("app/chat.py", "test_stream", True),
        ("app/chat.py", "TestChat.stream", True),
        ("tests/helpers.py", "stream", True),
        ("app/test/fixtures.py", None, True),
        ("app/test_chat.py", "stream", True),
        ("app/chat_test.py", None, True),
        ("app/conftest.py", "client", True),
        ("polls/tests.py", "make_poll", True),
        ("latest/app.py", "stream", False),
    ],
)
def test_test_code(path: str, function: str | None, expected: bool) -> None:
    assert is_test_code(path, function) is expected
