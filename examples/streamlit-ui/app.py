"""A Streamlit chat UI over OpenAI, with a "compare two models" page.

Run with `streamlit run app.py`.
"""

import time

import streamlit as st
from openai import OpenAI

client = OpenAI()
MODEL = "gpt-4.1-mini"


def ask(messages: list[dict]):
    return client.chat.completions.create(model=MODEL, messages=messages, stream=True)


def text_of(stream):
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            yield chunk.choices[0].delta.content


def chat_page() -> None:
    """The main page: Streamlit renders the stream as it arrives."""
    history = st.session_state.setdefault("history", [])
    for message in history:
        st.chat_message(message["role"]).markdown(message["content"])
    if prompt := st.chat_input("Ask anything"):
        history.append({"role": "user", "content": prompt})
        st.chat_message("user").markdown(prompt)
        with st.chat_message("assistant"):
            answer = st.write_stream(text_of(ask(history)))
        history.append({"role": "assistant", "content": answer})


def compare_page() -> None:
    """Two answers side by side: the left column repaints the whole answer for every token,
    the right one at most 20 times a second."""
    prompt = st.text_input("Prompt")
    if not prompt:
        return
    left, right = st.columns(2)
    messages = [{"role": "user", "content": prompt}]
    with left:
        paint_every_token(ask(messages))
    with right:
        paint_throttled(ask(messages))


def paint_every_token(stream) -> None:
    placeholder = st.empty()
    full = ""
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            full += chunk.choices[0].delta.content
            placeholder.markdown(full + "▌")
    placeholder.markdown(full)


def paint_throttled(stream) -> None:
    placeholder = st.empty()
    full = ""
    last_paint = 0.0
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            full += chunk.choices[0].delta.content
            if time.monotonic() - last_paint > 0.05:
                placeholder.markdown(full + "▌")
                last_paint = time.monotonic()
    placeholder.markdown(full)


page = st.sidebar.radio("Page", ["Chat", "Compare"])
chat_page() if page == "Chat" else compare_page()
