"""Lesson 00: a warm-up exercise to try the answer / check / solution routine once, and quick checks."""

from __future__ import annotations

from typing import Any

import requests

from . import Exercise, Verdict, error_name, not_yet, right
from .quiz import predict, quiz


def check_warm_up(answer: Any, *, BASE_URL: str) -> Verdict:
    """The answer must be the JSON of GET /public/weather for Porto, as a dict."""
    if answer is None:
        return not_yet("`answer` is still None.", "Fill in the answer cell, run it, then run this check again.")
    if isinstance(answer, requests.Response):
        return not_yet(
            f"this is the Response object (HTTP {answer.status_code}), not its JSON.",
            "End with answer = response.json().",
        )
    if isinstance(answer, (str, bytes)):
        return not_yet("this is the answer's raw text, not the parsed JSON.", "Use response.json() rather than response.text.")
    if not isinstance(answer, dict):
        return not_yet(f"expected a dict (the parsed JSON), got {type(answer).__name__}.", "answer = response.json()")
    try:
        expected = requests.get(f"{BASE_URL}/public/weather", params={"city": "Porto"}, timeout=10).json()
    except (requests.RequestException, ValueError) as exc:
        return not_yet(f"the check could not ask the mock itself ({error_name(exc)}).", "Is the setup cell's mock still running? Run it again.")
    if answer.get("city") != "Porto":
        return not_yet(
            f"this is the weather for {answer.get('city')!r}, not Porto.",
            'Pass the city as a query parameter: requests.get(url, params={"city": "Porto"}).',
        )
    if answer != expected:
        return not_yet("this looks like Porto's weather but is not what the API answers.", "Use the parsed JSON as it came, unchanged.")
    return right(
        f"{answer['city']}: {answer['temperature_c']} °C, {answer['conditions']}. "
        "A public endpoint answers anyone: no token was needed."
    )


EXERCISES = {
    "warm_up": Exercise(
        solution="solutions/00_warm_up.py",
        check=check_warm_up,
        context=("BASE_URL",),
        objective="learn the routine every lesson follows",
        wrong_answers=(
            lambda ns: requests.get(f"{ns['BASE_URL']}/public/weather", params={"city": "Porto"}, timeout=10),
            lambda ns: requests.get(f"{ns['BASE_URL']}/public/weather", timeout=10).json(),
            lambda ns: requests.get(f"{ns['BASE_URL']}/public/weather", params={"city": "Porto"}, timeout=10).text,
            lambda ns: {"city": "Porto", "temperature_c": 30},
        ),
    ),
}


quiz(
    "00_bad_line",
    "The setup report has a line `BAD  notebook kernel …` followed by a `fix:` line with a command. What do you do?",
    options={
        "a": "Run the fix command in a terminal, restart the kernel, and run the check again.",
        "b": "Ignore it and carry on: the lessons will work anyway.",
        "c": "Reinstall Python from scratch.",
        "d": "Run `pip install` with the package name you remember, in a notebook cell.",
    },
    answer="a",
    explain={
        "a": "The fix line is the exact command for this machine. A kernel only sees a new package or kernel setting after a restart, so rerun the check to prove it worked.",
        "b": "A BAD line is something that will fail later, usually at the worst moment (a widget that never appears, an import error in lesson 03). Fix it now, while it is one line.",
        "c": "Far more than needed: the fix line names the one thing that is wrong. Most often the notebook kernel runs another Python than the one the packages went into.",
        "d": "A remembered name can be the wrong project (on PyPI, the name tokenkit belongs to an unrelated package; this one installs as tokenkit-auth from its checkout), and pip in a cell may install into another Python than the kernel's. Use the command the fix line prints.",
    },
    objective="check that this machine is ready",
)

predict(
    "00_clock",
    "import time\n\n"
    "api.clock.advance(3600)\n"
    "print(round(api.clock.now() - time.time()))",
    options={
        "a": "0: the clock only moves when a token is issued.",
        "b": "3600: the mock's time is an hour ahead of this machine's.",
        "c": "-3600: advancing moves time backwards.",
        "d": "It fails: moving a clock needs administrator rights.",
    },
    answer="b",
    explain={
        "a": "advance() moves the mock's clock at once, whether or not any token exists. That is how a lesson makes a token expire in one line.",
        "b": "Only the mock's clock moved: your computer's clock (time.time()) is untouched, so the two differ by the hour you added.",
        "c": "advance(seconds) moves the mock's time forward by that many seconds; reset() puts it back to real time.",
        "d": "Nothing on your machine changes: the mock keeps an offset of its own, added to the real time when it judges a token.",
    },
    objective="learn the routine every lesson follows",
)

quiz(
    "00_core_path",
    "You have one afternoon. Which way through the lessons makes sense?",
    options={
        "a": "The core path: 01, 02 and 03, then the lessons you need, skipping the \"Going further\" boxes for later.",
        "b": "Start with 09, the capstone: it has everything.",
        "c": "Only read the key points of each lesson.",
    },
    answer="a",
    explain={
        "a": "01–03 are what every later lesson builds on (a 401, a token, sending it). \"Going further\" boxes are optional on a first pass; nothing in the core needs them.",
        "b": "09 assembles pieces from 02–08 and assumes you know them; without them it is a script to copy, not something you can fix when it breaks.",
        "c": "Key points remind; they do not teach. The checks and exercises are where you find out what did not stick.",
    },
    objective="find your way",
)
