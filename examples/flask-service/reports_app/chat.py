"""Account chat: a person reads the answer as it is written, so it streams."""

from flask import Blueprint, Response, request, stream_with_context

from reports_app.llm import NO_BUFFERING, answer_events

chat = Blueprint("chat", __name__)


@chat.post("/stream")
def stream():
    question = request.get_json()["question"]
    return Response(
        stream_with_context(answer_events(question)),
        mimetype="text/event-stream",
        headers=NO_BUFFERING,
    )


@chat.post("/stream/v0")
def stream_v0():
    """The first version, still used by the mobile app."""
    question = request.get_json()["question"]
    return Response(stream_with_context(answer_events(question)), mimetype="text/event-stream")
