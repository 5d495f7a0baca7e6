"""The classroom output comparison finds a changed lesson output and forgives what a seat changes."""

from __future__ import annotations

from typing import Any

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.classroom_outputs import differing_cells


def notebook(*cells: tuple[str, list[Any]]) -> Any:
    """A run notebook: a markdown cell, then code cells with these sources and outputs."""
    code = [new_code_cell(source, outputs=outputs, execution_count=n) for n, (source, outputs) in enumerate(cells, start=1)]
    return new_notebook(cells=[new_markdown_cell("# a lesson"), *code])


def printed(text: str) -> Any:
    return new_output("stream", name="stdout", text=text)


def test_a_changed_count_is_reported_with_the_cell_and_both_outputs() -> None:
    committed = notebook(("print(api)", [printed("ready\n")]),
                         ("print(seen)", [printed("token requests the server saw: 1\n")]))
    classroom = notebook(("print(api)", [printed("ready\n")]),
                         ("print(seen)", [printed("token requests the server saw: 0\n")]))

    [difference] = differing_cells(committed, classroom, learner="ada")

    assert difference.index == 2 and difference.source == "print(seen)"
    assert difference.committed == {"stdout": ["token requests the server saw: 1\n"]}
    assert difference.classroom == {"stdout": ["token requests the server saw: 0\n"]}
    assert "saw: 0" in difference.render() and "saw: 1" in difference.render()


def test_a_seats_url_name_and_sanitized_values_are_not_differences() -> None:
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub3Rlcy1hcHAifQ.c2lnbmF0dXJl"
    other = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbmFseXRpY3MifQ.b3RoZXI"
    committed = notebook(
        ("print(TOKEN_URL, token)", [printed(f"http://127.0.0.1:8123/oauth/token {token}\n")]),
        ("exc", [new_output("error", ename="TokenEndpointError", evalue="[HTTP 401 from POST http://127.0.0.1:8123/oauth/token]",
                            traceback=["local traceback"])]),
        ("api", [new_output("execute_result", data={"text/plain": "<MockAPI http://127.0.0.1:8123 (running); clients: notes-app>"},
                            execution_count=3)]),
    )
    classroom = notebook(
        ("print(TOKEN_URL, token)", [printed("http://127.0.0.1:40111/t/ada/oauth/token "), printed(f"{other}\n")]),
        ("exc", [new_output("error", ename="TokenEndpointError", evalue="[HTTP 401 from POST http://127.0.0.1:40111/t/ada/oauth/token]",
                            traceback=["another traceback"])]),
        ("api", [new_output("execute_result", data={"text/plain": "<ClassroomAPI http://127.0.0.1:40111/t/ada (learner 'ada' on a shared server)>"},
                            execution_count=9)]),
    )

    assert differing_cells(committed, classroom, learner="ada") == []


def test_another_learners_url_and_a_lost_error_are_differences() -> None:
    committed = notebook(("print(BASE_URL)", [printed("http://127.0.0.1:8123\n")]),
                         ("stop()", [new_output("error", ename="ServerUnreachableError", evalue="nothing listens")]))
    classroom = notebook(("print(BASE_URL)", [printed("http://127.0.0.1:40111/t/adam\n")]),
                         ("stop()", []))

    assert [d.index for d in differing_cells(committed, classroom, learner="ada")] == [1, 2]


def test_cells_nbval_does_not_compare_are_left_out() -> None:
    committed = notebook(("# NBVAL_IGNORE_OUTPUT\nprint(time.time())", [printed("1\n")]),
                         ("print(random())", [printed("0.5\n")]))
    committed.cells[2].metadata["tags"] = ["nbval-skip"]
    classroom = notebook(("# NBVAL_IGNORE_OUTPUT\nprint(time.time())", [printed("2\n")]),
                         ("print(random())", [printed("0.7\n")]))

    assert differing_cells(committed, classroom, learner="ada") == []
