"""How long each lesson really takes, estimated from what is in the notebook.

A lesson's header says "about 20 minutes"; a room says otherwise. This script counts what a
learner actually does in each notebook and turns it into minutes with allowances stated
once, here, so an agenda can be built from figures anyone can recompute:

- reading: every word of the markdown and code cells at ``WORDS_PER_MINUTE`` (a careful
  reader of technical text, code included, reads slower than prose);
- running: ``RUN_MINUTES`` per code cell, for Shift+Enter and a look at what it printed;
- exercises: ``EXERCISE_MINUTES`` for each exercise section with a check (a heading with
  "Exercise"), ``TRY_IT_MINUTES`` for one without (a "Try it" heading): the attempt, the
  check, a hint, maybe a second attempt;
- quick checks: ``QUICK_CHECK_MINUTES`` for each cell outside an exercise that calls a
  function from the lessons' ``checks`` package (a multiple-choice or "predict the output"
  question);
- discussion: ``DISCUSSION_MINUTES`` per lesson, for the objectives at the start and the key
  points and questions at the end.

Sections whose heading says "Going further", "Optional" or "Bonus" are counted apart, so a
3-hour agenda can take the core and leave the rest for homework.

    python scripts/lesson_minutes.py              # one row per lesson
    python scripts/lesson_minutes.py --sections   # and each section's minutes, to plan cuts
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

WORDS_PER_MINUTE = 130
RUN_MINUTES = 0.25
EXERCISE_MINUTES = 5.0
TRY_IT_MINUTES = 3.0
QUICK_CHECK_MINUTES = 1.0
DISCUSSION_MINUTES = 2.0

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
HEADING = re.compile(r"^(#{1,3})\s+(.*)$", re.M)
EXERCISE = re.compile(r"\bexercise\b", re.I)
TRY_IT = re.compile(r"\btry it\b", re.I)
FURTHER = re.compile(r"going further|optional|bonus", re.I)
STATED = re.compile(r"\*\*Time:\*\*\s*(?:about\s*)?(\d+)\s*min", re.I)
CHECKS_IMPORT = re.compile(r"^\s*from\s+checks(?:\.\w+)*\s+import\s+(.+)$", re.M)


@dataclass
class Section:
    """The cells under one heading: what a learner reads, runs and does there."""

    title: str
    words: int = 0
    code_cells: int = 0
    exercise: bool = False
    try_it: bool = False
    checked: bool = False
    quick_checks: int = 0

    @property
    def further(self) -> bool:
        return bool(FURTHER.search(self.title))

    @property
    def reading(self) -> float:
        return self.words / WORDS_PER_MINUTE

    @property
    def running(self) -> float:
        return self.code_cells * RUN_MINUTES

    @property
    def doing(self) -> float:
        """Exercise and quick-check minutes: the learner's own work."""
        if self.exercise or (self.try_it and self.checked):
            activity = EXERCISE_MINUTES
        elif self.try_it:
            activity = TRY_IT_MINUTES
        else:
            activity = 0.0
        return activity + self.quick_checks * QUICK_CHECK_MINUTES

    @property
    def minutes(self) -> float:
        return self.reading + self.running + self.doing


@dataclass
class Lesson:
    """One notebook's estimate, with the minutes its header states for comparison."""

    path: Path
    stated: int | None
    sections: list[Section] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.stem

    def _sum(self, attribute: str, *, further: bool | None = None) -> float:
        return sum(getattr(s, attribute) for s in self.sections if further is None or s.further == further)

    @property
    def words(self) -> int:
        return int(self._sum("words"))

    @property
    def code_cells(self) -> int:
        return int(self._sum("code_cells"))

    @property
    def exercises(self) -> int:
        return sum(1 for s in self.sections if s.exercise or s.try_it)

    @property
    def quick_checks(self) -> int:
        return int(self._sum("quick_checks"))

    @property
    def teaching(self) -> float:
        """Reading, running and discussion: what an instructor paces."""
        return self._sum("reading") + self._sum("running") + DISCUSSION_MINUTES

    @property
    def doing(self) -> float:
        return self._sum("doing")

    @property
    def total(self) -> float:
        return self.teaching + self.doing

    @property
    def further(self) -> float:
        return self._sum("minutes", further=True)

    @property
    def core(self) -> float:
        return self.total - self.further


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _words(text: str) -> int:
    return len(text.split())


def estimate(path: Path) -> Lesson:
    """Split a notebook into sections at its headings and count each one's work."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    checks_names: set[str] = set()
    for cell in cells:
        if cell["cell_type"] == "code":
            for names in CHECKS_IMPORT.findall(_source(cell)):
                checks_names.update(name.strip(" ()") for name in names.split(",") if name.strip(" ()"))
    stated = None
    sections = [Section("(before the first heading)")]
    for cell in cells:
        text = _source(cell)
        if cell["cell_type"] == "markdown":
            found = STATED.search(text)
            if found and stated is None:
                stated = int(found.group(1))
            headings = HEADING.findall(text)
            # A new section at a level-2 or level-3 heading; the lesson's title (level 1) stays in the first.
            for level, title in headings:
                if len(level) >= 2:
                    sections.append(Section(title.strip()))
                    sections[-1].exercise = bool(EXERCISE.search(title))
                    sections[-1].try_it = bool(TRY_IT.search(title))
            sections[-1].words += _words(text)
        elif cell["cell_type"] == "code":
            section = sections[-1]
            section.words += _words(text)
            section.code_cells += 1
            called = {name for name in checks_names if re.search(rf"\b{re.escape(name)}\(", text)}
            if called and (section.exercise or section.try_it):
                section.checked = True
            elif called:
                section.quick_checks += 1
    return Lesson(path, stated, [s for s in sections if s.words or s.code_cells])


def lessons(folder: Path = NOTEBOOKS) -> list[Lesson]:
    """Every numbered lesson in ``folder``, in order."""
    return [estimate(path) for path in sorted(folder.glob("[0-9][0-9]_*.ipynb"))]


def table(rows: list[Lesson], *, sections: bool = False) -> str:
    """A plain-text table: one row per lesson (and optionally per section) and a total."""
    header = f"{'lesson':<36} {'words':>6} {'cells':>5} {'ex':>3} {'qc':>3} {'teach':>6} {'do':>5} {'total':>6} {'core':>5} {'stated':>6}"
    lines = [header, "-" * len(header)]
    for lesson in rows:
        stated = str(lesson.stated) if lesson.stated is not None else "-"
        lines.append(
            f"{lesson.name:<36} {lesson.words:>6} {lesson.code_cells:>5} {lesson.exercises:>3} {lesson.quick_checks:>3} "
            f"{lesson.teaching:>6.0f} {lesson.doing:>5.0f} {lesson.total:>6.0f} {lesson.core:>5.0f} {stated:>6}"
        )
        if sections:
            for section in lesson.sections:
                mark = " (further)" if section.further else ""
                lines.append(f"    {section.title[:40] + mark:<52} {section.minutes:>5.1f} min")
    total = sum(lesson.total for lesson in rows)
    core = sum(lesson.core for lesson in rows)
    stated_total = sum(lesson.stated or 0 for lesson in rows)
    lines.append("-" * len(header))
    lines.append(f"{'all lessons':<36} {sum(l.words for l in rows):>6} {sum(l.code_cells for l in rows):>5} "
                 f"{sum(l.exercises for l in rows):>3} {sum(l.quick_checks for l in rows):>3} "
                 f"{sum(l.teaching for l in rows):>6.0f} {sum(l.doing for l in rows):>5.0f} {total:>6.0f} {core:>5.0f} {stated_total:>6}")
    lines.append(
        f"\nteach = reading at {WORDS_PER_MINUTE} words/min + {RUN_MINUTES * 60:.0f} s per code cell + {DISCUSSION_MINUTES:.0f} min discussion; "
        f"do = {EXERCISE_MINUTES:.0f} min per exercise ({TRY_IT_MINUTES:.0f} for an unchecked 'Try it') + {QUICK_CHECK_MINUTES:.0f} min per quick check; "
        "core = total less 'Going further' sections; stated = the lesson's own header."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", action="store_true", help="also print each section's minutes")
    parser.add_argument("--folder", type=Path, default=NOTEBOOKS, help="where the numbered notebooks are")
    args = parser.parse_args(argv)
    rows = lessons(args.folder)
    if not rows:
        print(f"no numbered notebooks in {args.folder}", file=sys.stderr)
        return 1
    print(table(rows, sections=args.sections))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
