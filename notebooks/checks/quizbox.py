"""The widget for a quick check: the question, radio buttons, a Check button, feedback.

All deciding is done by :meth:`checks.quiz.Quiz.judge`; this only wires a choice to it.
Nothing is selected and no feedback is shown until the learner chooses and presses
**Check**, so Run All (which presses nothing) shows the question and never the answer, and
the text repr that nbval compares is the question and its options, the same on every run.
"""

from __future__ import annotations

import html

import ipywidgets as w

from .quiz import Feedback, Quiz


class QuizBox(w.VBox):
    """One question on screen; press Check as often as you like, one option at a time."""

    def __init__(self, quiz: Quiz) -> None:
        self.quiz = quiz
        parts = [f"<b>Quick check.</b> {html.escape(quiz.question)}"]
        if quiz.code is not None:
            parts.append(f"<pre>{html.escape(quiz.code)}</pre>")
        self.prompt = w.HTML("".join(parts))
        self.choices = w.RadioButtons(
            options=[(f"{label}) {text}", label) for label, text in quiz.options.items()],
            value=None,
            layout=w.Layout(width="auto"),
        )
        self.button = w.Button(description="Check", icon="check", tooltip="judge the option you chose")
        self.feedback = w.HTML("")
        self.last: Feedback | None = None
        self.button.on_click(self._check)
        self.choices.observe(self._clear, names="value")
        super().__init__([self.prompt, self.choices, self.button, self.feedback])
        self.add_class("tokenkit-quiz")

    def choose(self, label: str) -> Feedback:
        """Select ``label`` and press Check, as a learner would (used by the tests)."""
        self.choices.value = self.quiz.label(label)
        self.button.click()
        assert self.last is not None
        return self.last

    def _check(self, _button: w.Button | None = None) -> None:
        if self.choices.value is None:
            self.last = None
            self.feedback.value = "Choose an option first, then press Check."
            return
        self.last = self.quiz.judge(self.choices.value)
        colour = "#1a7f37" if self.last.correct else "#9a6700"
        body = html.escape(self.last.text).replace("\n", "<br>")
        self.feedback.value = f'<div style="color:{colour}">{body}</div>'

    def _clear(self, _change: object = None) -> None:
        """A new choice hides the feedback for the old one."""
        self.feedback.value = ""
        self.last = None

    def __repr__(self) -> str:
        return self.quiz.text() + "\n(choose an option and press Check; or answer in code: "\
            f'answer("{self.quiz.key}", "<your letter>"))'
