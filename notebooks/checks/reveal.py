"""A solution shown only when the learner asks for it.

``%load solutions/x.py`` in a lesson spoiled the exercise on Run All: JupyterLab replaced
the cell with the solution before anyone had tried. :class:`SolutionReveal` is a button
instead: pressing it shows the file's code and the ``%load`` line that puts it in a cell.
Nothing is read, shown or run before the press, so Run All and the committed outputs
hold no solution, and the files in ``solutions/`` stay the single source.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w
from IPython.display import Code, Markdown

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def solution_path(name: str) -> Path:
    """``solutions/<name>.py`` for ``"03_retitle"`` (or ``"03_retitle.py"``); ValueError if none."""
    stem = Path(name).name.removesuffix(".py")
    path = SOLUTIONS / f"{stem}.py"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SOLUTIONS.glob("*.py")))
        raise ValueError(f"there is no solutions/{stem}.py; the solutions are: {known}")
    return path


class SolutionReveal(w.VBox):
    """A "Show solution" button over an empty area that the button fills (and empties again)."""

    def __init__(self, name: str) -> None:
        self.path = solution_path(name)
        self.relative = f"solutions/{self.path.name}"
        self.button = w.Button(description="Show solution", icon="eye", tooltip=f"show {self.relative}")
        self.area = w.Output()
        self.button.on_click(self._toggle)
        super().__init__([self.button, self.area])
        self.add_class("tokenkit-solution")

    @property
    def shown(self) -> bool:
        return bool(self.area.outputs)

    def _toggle(self, _button: w.Button | None = None) -> None:
        """Show the file as it is now (read at the press), or hide it again.

        The area's ``outputs`` are set here in the kernel rather than captured with
        ``with area:``, which inside a button callback depends on the front end.
        """
        if self.shown:
            self.area.outputs = ()
            self.button.description, self.button.icon = "Show solution", "eye"
            return
        self.area.append_display_data(Code(self.path.read_text(), language="python"))
        self.area.append_display_data(Markdown(
            f"To run it: copy it into your answer cell, or type `%load {self.relative}` in a new cell "
            "and run that cell twice (the first run puts the code in the cell, the second runs it)."
        ))
        self.button.description, self.button.icon = "Hide solution", "eye-slash"

    def __repr__(self) -> str:
        return f'<solution {self.relative}: press "Show solution" to see it>'
