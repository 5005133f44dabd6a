"""The wizard's own messages: what a widget tells the screen around it."""

from __future__ import annotations

from textual.message import Message


class QuestionAnswered(Message):
    """The person answered the question in front of them (the raw text, lists split by ';')."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class QuestionLeft(Message):
    """The person stepped away from the question (Escape): stop the run, keep the answers."""
