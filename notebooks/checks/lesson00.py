"""Lesson 00: a warm-up exercise, to try the answer / check / %load routine once."""

from __future__ import annotations

from typing import Any

import requests

from . import Exercise, Verdict, error_name, not_yet, right


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
        wrong_answers=(
            lambda ns: requests.get(f"{ns['BASE_URL']}/public/weather", params={"city": "Porto"}, timeout=10),
            lambda ns: requests.get(f"{ns['BASE_URL']}/public/weather", timeout=10).json(),
            lambda ns: requests.get(f"{ns['BASE_URL']}/public/weather", params={"city": "Porto"}, timeout=10).text,
            lambda ns: {"city": "Porto", "temperature_c": 30},
        ),
    ),
}
