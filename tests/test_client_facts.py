"""Client-side facts: chunk-decode (ADV301) and polling-loop (ADV401), field by field.

The rule examples pin down what is reported; these tests pin down the detector logic behind
them: how the library is established, what counts as the current chunk, which encodings can
split a character, what a poll is and how the loop waits.
"""

from __future__ import annotations

import textwrap

import pytest
from support import words_needed_for

from advisor.facts import summarize_python
from advisor.model import ChunkDecode, PollingLoop


def _facts(source: str) -> list[object]:
    data = textwrap.dedent(source).encode()
    found = list(summarize_python("app/client.py", data).facts)
    for fact in found:
        _holds_what_the_detector_needs(fact, data)
    return found


def _holds_what_the_detector_needs(fact: object, data: bytes) -> None:
    """The pre-filter lets a file that imports an HTTP library through only when it holds a
    word these detectors need (`Triggers.needs`): every fact of every test here proves it."""
    needs = words_needed_for(fact)
    if needs is None:
        return
    assert needs, type(fact).__name__
    assert any(word.encode() in data for word in needs), (fact, sorted(needs))


def decodes(source: str) -> list[ChunkDecode]:
    return [f for f in _facts(source) if isinstance(f, ChunkDecode)]


def polls(source: str) -> list[PollingLoop]:
    return [f for f in _facts(source) if isinstance(f, PollingLoop)]


# chunk-decode -------------------------------------------------------------------------------


def test_requests_default_chunk_size_is_one_byte() -> None:
    (fact,) = decodes(
        """
        import requests

        def f(url):
            r = requests.post(url, stream=True)
            for chunk in r.iter_content():
                print(chunk.decode())
        """
    )
    assert (fact.library, fact.iterator, fact.chunk_size) == ("requests", "iter_content", 1)
    assert (fact.encoding, fact.multibyte, fact.errors, fact.resolved) == (
        "utf-8",
        True,
        None,
        True,
    )
    assert fact.evidence.location.line == 7
    assert fact.loop_at is not None and fact.loop_at.location.line == 6


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("requests.get(url)", 0),  # downloaded whole: one piece
        ("requests.get(url, stream=False)", 0),
        ("requests.get(url, stream=True)", 1),
        ("requests.Session().get(url, stream=True)", 1),
    ],
)
def test_requests_body_read_whole_comes_back_in_one_piece(call: str, expected: int) -> None:
    found = decodes(
        f"""
        import requests

        def f(url):
            r = {call}
            for chunk in r.iter_content(chunk_size=None):
                print(chunk.decode("utf-8"))
        """
    )
    assert len(found) == expected


@pytest.mark.parametrize(
    "loop",
    [
        "for text in r.iter_content(None, True):\n        print(text.decode())",
        "for text in r.iter_content(512, decode_unicode=flag):\n        print(text.decode())",
        "for line in r.iter_lines():\n        print(line.decode())",
        "for chunk in r.iter_content(512):\n        print(decoder.decode(chunk))",
        "for chunk in r.iter_content(512):\n        print(str(chunk))",
        "for chunk in r.iter_content(512):\n        chunk = pending + chunk\n        print(chunk.decode())",
        "for chunk in r.iter_content(512):\n        print(process(chunk).decode())",
    ],
)
def test_not_a_per_chunk_decode(loop: str) -> None:
    source = (
        "import codecs, requests\n\n"
        "decoder = codecs.getincrementaldecoder('utf-8')()\n\n"
        "def f(url, flag, pending):\n"
        "    r = requests.get(url, stream=True)\n"
        f"    {loop}\n"
    )
    assert decodes(source) == []


def test_parts_of_a_chunk_count_but_a_buffer_does_not() -> None:
    found = decodes(
        """
        import httpx

        async def f(client: httpx.AsyncClient, url):
            async with client.stream("GET", url) as response:
                buffer = b""
                async for chunk in response.aiter_bytes():
                    buffer += chunk
                    head = chunk[:6]
                    for line in chunk.split(b"\\n"):
                        print(line.strip().decode("utf-8", "replace"))
                    print(buffer.decode(), head)
        """
    )
    assert [(f.decoder, f.errors, f.evidence.location.line) for f in found] == [
        ("line.strip().decode('utf-8', 'replace')", "replace", 11)
    ]


@pytest.mark.parametrize(
    ("encoding", "name", "multibyte"),
    [
        ('"latin-1"', "iso8859-1", False),
        ('"ascii"', "ascii", False),
        ('"cp1252"', "cp1252", False),
        ('"UTF8"', "utf-8", True),
        ('"gbk"', "gbk", True),
        ('"utf-16"', "utf-16", True),
        ('"no-such-codec"', "no-such-codec", None),
        ("r.encoding", None, None),
    ],
)
def test_encoding(encoding: str, name: str | None, multibyte: bool | None) -> None:
    (fact,) = decodes(
        f"""
        import requests

        def f(url):
            r = requests.get(url, stream=True)
            for chunk in r.iter_content(1024):
                print(chunk.decode({encoding}))
        """
    )
    assert (fact.encoding, fact.multibyte) == (name, multibyte)


def test_a_multibyte_decode_is_preferred_in_a_loop() -> None:
    (fact,) = decodes(
        """
        import requests

        def f(url):
            r = requests.get(url, stream=True)
            for chunk in r.iter_content(1024):
                log(chunk.decode("latin-1"))
                show(codecs.decode(chunk))
        """
    )
    assert fact.decoder == "codecs.decode(chunk)" or fact.multibyte is False
    # codecs is not imported, so codecs.decode is not the stdlib one: only latin-1 is seen
    assert fact.encoding == "iso8859-1"


def test_aiohttp_shapes() -> None:
    found = decodes(
        """
        import aiohttp
        from aiohttp import StreamReader

        async def chunks(session: aiohttp.ClientSession, url):
            async with session.get(url) as resp:
                async for data, _ in resp.content.iter_chunks():
                    yield data.decode()

        async def reader(content: StreamReader):
            async for piece in content.iter_chunked(64):
                yield str(piece, encoding="utf-8", errors="ignore")

        async def reads(url):
            async with aiohttp.request("GET", url) as resp:
                chunk = await resp.content.read(1024)
                while chunk:
                    yield chunk.decode()
                    chunk = await resp.content.read(1024)

        async def whole(url):
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as resp:
                    while True:
                        body = await resp.content.read()
                        yield body.decode()
        """
    )
    assert [(f.iterator, f.chunk_size, f.errors, f.evidence.location.line) for f in found] == [
        ("iter_chunks", None, None, 8),
        ("iter_chunked", 64, "ignore", 12),
        ("read", 1024, None, 18),
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # iter_content on an unresolved object, module imports requests, plain for: accepted
        ("import requests\ndef f(r):\n    for c in r.iter_content(64):\n        c.decode()\n", 1),
        # ... but not without the import
        ("def f(r):\n    for c in r.iter_content(64):\n        c.decode()\n", 0),
        # ... nor in an async for (some other library's iter_content)
        (
            "import requests\nasync def f(r):\n    async for c in r.iter_content():\n"
            "        c.decode()\n",
            0,
        ),
        # httpx names are shared with other wrappers: never by name alone
        ("import httpx\ndef f(r):\n    for c in r.iter_bytes(64):\n        c.decode()\n", 0),
        # aiohttp: the reader must be `.content`
        (
            "import aiohttp\nasync def f(r):\n    async for c in r.content.iter_any():\n"
            "        c.decode()\n",
            1,
        ),
        (
            "import aiohttp\nasync def f(r):\n    async for c in r.stream.iter_any():\n"
            "        c.decode()\n",
            0,
        ),
    ],
)
def test_method_name_alone(source: str, expected: int) -> None:
    found = decodes(source)
    assert len(found) == expected
    assert all(f.resolved is False for f in found)


def test_decode_guarded_by_unicode_error_handler_is_not_reported() -> None:
    assert (
        decodes(
            """
            import requests

            def f(url):
                r = requests.get(url, stream=True)
                for chunk in r.iter_content(256):
                    try:
                        print(chunk.decode())
                    except UnicodeDecodeError:
                        pass
            """
        )
        == []
    )


# polling-loop -------------------------------------------------------------------------------


def _poll_fields(fact: PollingLoop) -> tuple[object, ...]:
    return (fact.target, fact.library, fact.sleeps, fact.sleep_seconds, fact.backoff)


def test_provider_batch_status_calls() -> None:
    found = polls(
        """
        import litellm
        from google import genai
        from mistralai import Mistral

        gclient = genai.Client()
        mclient = Mistral(api_key="x")

        def gemini(name):
            while gclient.batches.get(name=name).state != "JOB_STATE_SUCCEEDED":
                pass

        def mistral(job_id):
            while mclient.batch.jobs.get(job_id=job_id).status == "RUNNING":
                pass

        def lite(batch_id):
            while litellm.retrieve_batch(batch_id=batch_id).status != "completed":
                pass
        """
    )
    assert [(f.target, f.library, f.sleeps) for f in found] == [
        ("batches.get", "google-genai", False),
        ("batch.jobs.get", "mistralai", False),
        ("retrieve_batch", "litellm", False),
    ]


def test_poll_location_and_suppression_anchor() -> None:
    (fact,) = polls(
        """
        from openai import OpenAI

        client = OpenAI()

        def wait(batch_id):
            batch = client.batches.retrieve(batch_id)
            while (
                batch.status != "completed"
            ):
                batch = client.batches.retrieve(batch_id)
        """
    )
    assert fact.evidence.location.line == 8
    assert fact.evidence.anchors[0] == (8, 10)
    assert (fact.evidence.location.end_line, fact.evidence.location.end_column) == (10, 7)
    assert fact.poll_at is not None and fact.poll_at.location.line == 11
    assert fact.evidence.function == "wait"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("time.sleep(2)", (True, 2.0, False)),
        ("time.sleep(0.5)", (True, 0.5, False)),
        ("time.sleep(POLL)", (True, 0.25, False)),
        ("time.sleep(interval)", (True, None, False)),
        ("time.sleep(delay)\n        delay *= 2", (True, None, True)),
        ("time.sleep(0.1 * attempt)\n        attempt += 1", (True, None, True)),
        (
            "if batch.status == 'x':\n            time.sleep(0.1)\n        else:\n            time.sleep(3)",
            (True, 3.0, False),
        ),
        ("nap(0.2)", (True, 0.2, False)),
        ("nap()", (True, 0.3, False)),
        ("self_wait.wait(1)", (None, None, None)),
        ("wait_for_tick()", (None, None, None)),
        ("print('waiting')", (False, None, None)),
        (
            "try:\n            log()\n        except OSError:\n            time.sleep(5)",
            (False, None, None),
        ),
        ("asyncio.run(asyncio.sleep(0.1))", (True, 0.1, False)),
    ],
)
def test_how_the_loop_waits(body: str, expected: tuple[object, ...]) -> None:
    source = (
        "import asyncio, threading, time\n"
        "from openai import OpenAI\n"
        "from helpers import wait_for_tick\n\n"
        "client = OpenAI()\n"
        "POLL = 0.25\n"
        "self_wait = threading.Event()\n\n"
        "def nap(seconds=0.3):\n"
        "    time.sleep(seconds)\n\n"
        "def wait(batch_id, interval, delay, attempt):\n"
        "    while True:\n"
        "        batch = client.batches.retrieve(batch_id)\n"
        "        if batch.status == 'completed':\n"
        "            return batch\n"
        f"        {body}\n"
    )
    (fact,) = polls(source)
    assert (fact.sleeps, fact.sleep_seconds, fact.backoff) == expected


def test_method_helper_and_backoff_decorator() -> None:
    found = polls(
        """
        import time
        import backoff
        from rq.job import Job

        class Watcher:
            def _nap(self, seconds):
                time.sleep(seconds)

            def wait(self, job_id, conn):
                job = Job.fetch(job_id, connection=conn)
                while job.get_status() != "finished":
                    self._nap(0.1)

        @backoff.on_predicate(backoff.expo)
        def check(job):
            while not job.is_finished:
                pass
            return True

        def outer(job_id, conn):
            job = Job.fetch(job_id, connection=conn)
            while not job.is_finished:
                check(job)
        """
    )
    assert [_poll_fields(f) for f in found] == [
        ("Job.get_status()", "rq", True, 0.1, False),
        ("Job.is_finished", "rq", None, None, True),
    ]


def test_job_queue_objects() -> None:
    found = polls(
        """
        from celery import Celery
        from rq import Queue

        app = Celery("x")
        queue = Queue()

        def celery_wait(task_id):
            result = app.AsyncResult(task_id)
            while result.status not in ("SUCCESS", "FAILURE"):
                pass

        def rq_wait():
            job = queue.enqueue(print)
            while job.get_status() != "finished":
                pass

        def rq_fetch(job_id):
            while queue.fetch_job(job_id) is not None:
                pass
        """
    )
    assert [(f.target, f.library) for f in found] == [
        ("AsyncResult.status", "celery"),
        ("Job.get_status()", "rq"),
        ("queue.fetch_job", "rq"),
    ]


def test_not_polls() -> None:
    assert (
        polls(
            """
            import requests
            from openai import OpenAI

            client = OpenAI()

            def retry(batch_id):
                while True:
                    try:
                        batch = client.batches.retrieve(batch_id)
                        break
                    except OSError:
                        continue

            def resume(response_id, cursor):
                while cursor:
                    for event in client.responses.retrieve(response_id, stream=True):
                        cursor = event.sequence_number

            def posts(url):
                while True:
                    r = requests.post(url).json()
                    if r["status"] == "done":
                        return r

            def page(url):
                while url:
                    data = requests.get(url).json()
                    url = data.get("next")

            def batches_elsewhere(batch_id):
                for _ in range(3):
                    client.batches.retrieve(batch_id)
            """
        )
        == []
    )


def test_http_status_polls() -> None:
    found = polls(
        """
        import httpx
        import requests

        DONE = frozenset({"succeeded", "failed"})

        def a(url, session: requests.Session):
            status = "queued"
            while status not in DONE:
                status = session.get(url).json()["status"]

        async def b(url):
            async with httpx.AsyncClient() as client:
                while True:
                    response = await client.get(url)
                    state = response.json().get("state", "").lower()
                    if state == "done":
                        return response
        """
    )
    assert [(f.target, f.library, f.sleeps) for f in found] == [
        ("Session.get", "requests", False),
        ("AsyncClient.get", "httpx", False),
    ]


def test_nested_loops_attribute_the_poll_to_the_inner_loop() -> None:
    (fact,) = polls(
        """
        import time
        from openai import OpenAI

        client = OpenAI()

        def run(batch_ids):
            while batch_ids:
                batch_id = batch_ids.pop()
                while client.batches.retrieve(batch_id).status != "completed":
                    pass
                time.sleep(30)
        """
    )
    assert fact.evidence.location.line == 10
    assert fact.sleeps is False


def test_comprehension_over_a_chunk_counts() -> None:
    (fact,) = decodes(
        """
        import requests

        def f(url):
            r = requests.get(url, stream=True)
            for chunk in r.iter_content(1024):
                yield from [part.decode() for part in chunk.split(b"\\n\\n")]
        """
    )
    assert fact.decoder == "part.decode()"


def test_celery_task_of_the_module() -> None:
    found = polls(
        """
        from celery import Celery, shared_task

        app = Celery("x")

        @app.task
        def add(a, b):
            return a + b

        @shared_task(bind=True)
        def mul(self, a, b):
            return a * b

        def not_a_task(a):
            return a

        def run():
            first = add.delay(1, 2)
            while not first.ready():
                pass
            second = mul.apply_async((1, 2))
            while second.state != "SUCCESS":
                pass
            third = not_a_task.delay(1)
            while not third.ready():
                pass
        """
    )
    assert [(f.target, f.library, f.evidence.location.line) for f in found] == [
        ("AsyncResult.ready()", "celery", 19),
        ("AsyncResult.state", "celery", 22),
    ]


def test_pauses_in_an_inner_loop_and_throttled_polls_are_unknown() -> None:
    found = polls(
        """
        import time
        from openai import OpenAI

        client = OpenAI()

        def interruptible(batch_id):
            while client.batches.retrieve(batch_id).status != "completed":
                for _ in range(50):
                    time.sleep(0.1)

        def spinner(batch_id):
            last = 0.0
            while True:
                time.sleep(0.1)
                if time.monotonic() - last > 10:
                    last = time.monotonic()
                    if client.batches.retrieve(batch_id).status == "completed":
                        return

        def counted(batch_id):
            tick = 0
            while True:
                tick += 1
                time.sleep(0.05)
                if tick % 100 == 0 and client.batches.retrieve(batch_id).status == "done":
                    return
        """
    )
    assert [(f.sleeps, f.sleep_seconds, f.backoff) for f in found] == [
        (True, None, False),
        (None, None, None),
        (None, None, None),
    ]
