"""How long a person's login takes on the mock, next to a machine's token request.

Issue 14 asks that a device login completes in under 2 s on the mock's clock, so a lesson
never waits for a person. Each round here runs a whole ``DeviceLogin`` (discovery, device
authorization, the approval a person would give on the verification page, polling with the
mock's clock as ``sleep``) and a whole ``AuthorizationCodeLogin`` (PKCE, the loopback
listener, the login page answered as a browser would, the code exchange), and for scale a
``ClientCredentials.fetch``. It prints wall-clock medians, the ratio of each login to the
machine's token request, and how far the mock's clock had to move. Figures only: nothing
here asserts a time (the machine is shared).
"""

from __future__ import annotations

import statistics
import threading
import time

import requests

from tokenkit import AuthorizationCodeLogin, ClientCredentials, DeviceLogin
from tokenkit.mock import MockAPI

ROUNDS = 30


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    with MockAPI() as api:
        machine = api.clients["notes-app"]
        fetch_s: list[float] = []
        device_s: list[float] = []
        device_clock_s: list[float] = []
        pkce_s: list[float] = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            ClientCredentials(api.token_url, machine.client_id, machine.client_secret).fetch()
            fetch_s.append(time.perf_counter() - started)

            clock_before = api.clock.now()
            login = DeviceLogin(
                api.url,
                "cli-app",
                scope="notes:read",
                on_prompt=lambda prompt: api.approve_device(prompt.user_code, "alice"),
                clock=api.clock.now,  # mock only: polling waits on the mock's clock
                sleep=api.clock.advance,
            )
            started = time.perf_counter()
            login.fetch()
            device_s.append(time.perf_counter() - started)
            device_clock_s.append(api.clock.now() - clock_before - (time.perf_counter() - started))

            def browser(url: str) -> None:
                # The person approves on the login page; the browser then follows the
                # redirect to the loopback listener (on another thread, as a browser is).
                redirect = api.approve_authorization(url, user="alice")
                threading.Thread(target=requests.get, args=(redirect,), kwargs={"timeout": 5}, daemon=True).start()

            started = time.perf_counter()
            AuthorizationCodeLogin(api.url, "cli-app", scope="notes:read", open_browser=browser).fetch()
            pkce_s.append(time.perf_counter() - started)

    machine_ms = _median_ms(fetch_s)
    print(f"rounds: {ROUNDS}")
    print(f"{'':32}{'median ms':>10}{'x client credentials':>22}")
    print(f"{'client credentials fetch':32}{machine_ms:10.1f}{1.0:22.2f}")
    print(f"{'device login (approved)':32}{_median_ms(device_s):10.1f}{_median_ms(device_s) / machine_ms:22.2f}")
    print(f"{'authorization code + PKCE':32}{_median_ms(pkce_s):10.1f}{_median_ms(pkce_s) / machine_ms:22.2f}")
    print(f"device login: the mock's clock moved {statistics.median(device_clock_s):.1f} s (median); target < 2 s")


if __name__ == "__main__":
    main()
