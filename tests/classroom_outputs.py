"""Which cells of a lesson say something different when the lesson runs on a classroom seat.

A lesson that runs without an error in classroom mode can still teach nothing there: a
demonstration that stops a second mock and shows the refusal prints nothing when that mock
was the learner's seat. Running the cells is not enough; their outputs must say what the
committed ones say. This module compares a committed notebook with the same notebook executed
in classroom mode, cell by cell, the way nbval compares a fresh run with the committed one:

- the same sanitizers (``notebooks/sanitize.cfg``, read with nbval's own parser and applied in
  its order), plus a few classroom-specific pairs in the same ``regex:``/``replace:`` format
  (``CLASSROOM_SANITIZE``), applied first, for what legitimately differs on a shared server;
- stream text (streams merged, ``\\r``/``\\b`` processed, as nbval does), ``text/plain`` and the
  ``ename``/``evalue`` of errors; not images, widget model ids, execution counts or tracebacks;
- cells marked ``NBVAL_SKIP``/``NBVAL_IGNORE_OUTPUT`` (comment or tag), and cells never run in the
  committed notebook, are left out, as nbval leaves them out.

``differing_cells(committed, executed, learner=...)`` returns one ``CellDifference`` per code cell
whose sanitized outputs differ; an empty list means the lesson reads the same in both modes.
"""

from __future__ import annotations

import copy
import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbval.plugin import coalesce_streams, find_comment_markers, find_metadata_tags, get_sanitize_patterns

SANITIZE_CFG = Path(__file__).resolve().parent.parent / "notebooks" / "sanitize.cfg"

#: The output fields compared, besides stream text and error names/values (as in nbval, whose
#: skip list leaves out images and widget views: those are not what a learner reads).
COMPARED_MIME_TYPES = ("text/plain",)

#: What differs on a classroom seat and says nothing about the lesson, in sanitize.cfg's format.
#: ``{learner}`` stands for the learner's name, regex-escaped. Applied before sanitize.cfg, so the
#: loopback-port pattern there then sees the same ``127.0.0.1:<port>`` in both runs.
CLASSROOM_SANITIZE = r"""
# A seat's base URL is the shared server's plus /t/<learner>: every URL a lesson prints
# (base URL, token endpoint, a request's URL, the JWT issuer) carries the prefix.
[classroom-base-url]
regex: (https?://[^\s/'"<>]+)/t/{learner}(?=[/\s'"<>),\]]|$)
replace: \1

# The learner's name, wherever else it shows (a seat's repr, a greeting).
[classroom-learner-name]
regex: \b{learner}\b
replace: <LEARNER>

# `print(api)` in a setup cell (lesson 00) names what the learner is connected to: their own
# mock in the kernel, with its demo clients, or a seat on a shared server. Saying which is right;
# the clients are listed by the next cell of that lesson, which stays compared.
[classroom-seat-repr]
regex: <(?:MockAPI (\S+) \(running\); clients: [^>]*|ClassroomAPI (\S+) \(learner '<LEARNER>' on a shared server\))>
replace: <the lesson's mock at \1\2>
"""


@dataclass(frozen=True)
class CellDifference:
    """One code cell whose outputs read differently on a classroom seat (sanitized texts)."""

    index: int
    """Position of the cell in the notebook's cell list (markdown cells count)."""
    source: str
    committed: dict[str, list[str]]
    classroom: dict[str, list[str]]

    def render(self) -> str:
        """The cell and both outputs, for a test's failure message or a report."""

        def show(outputs: dict[str, list[str]]) -> str:
            if not outputs:
                return "    (no output)"
            lines = []
            for key, texts in sorted(outputs.items()):
                for text in texts:
                    first, *rest = text.rstrip().splitlines() or [""]
                    lines += [f"    [{key}] {first}", *(f"      {line}" for line in rest)]
            return "\n".join(lines)

        return (f"cell {self.index}:\n{self.source}\n  committed:\n{show(self.committed)}\n"
                f"  classroom:\n{show(self.classroom)}")


def sanitize_patterns(learner: str, sanitize_cfg: Path = SANITIZE_CFG) -> list[tuple[str, str]]:
    """The (regex, replace) pairs, classroom ones first, then sanitize.cfg's, in nbval's order.

    nbval keeps its pairs in a dict keyed by regex (a repeated regex keeps its last
    replacement, in its first place); so does this.
    """
    pairs: OrderedDict[str, str] = OrderedDict()
    classroom = get_sanitize_patterns(CLASSROOM_SANITIZE)
    for regex, replace in classroom:
        pairs[regex.replace("{learner}", re.escape(learner))] = replace
    pairs.update(get_sanitize_patterns(sanitize_cfg.read_text(encoding="utf-8")))
    return list(pairs.items())


def sanitize(text: str, patterns: list[tuple[str, str]]) -> str:
    for regex, replace in patterns:
        text = re.sub(regex, replace, text)
    return text


def _checked(cell: Any) -> bool:
    """Whether nbval would compare this cell's outputs."""
    options = dict(find_comment_markers(cell.source))
    options.update(find_metadata_tags(cell.metadata))
    return cell.execution_count is not None and not options.get("skip", False) and options.get("check", True)


def _texts(outputs: list[Any], patterns: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Outputs grouped by field, as nbval groups them (order kept only within a field)."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for output in coalesce_streams([_copy(output) for output in outputs]):
        kind = output.get("output_type")
        if kind == "stream":
            grouped[output["name"]].append(sanitize(output["text"], patterns))
        elif kind == "error":
            grouped["ename"].append(sanitize(output["ename"], patterns))
            grouped["evalue"].append(sanitize(output["evalue"], patterns))
        elif kind in ("execute_result", "display_data"):
            for mime in COMPARED_MIME_TYPES:
                if mime in output.get("data", {}):
                    data = output["data"][mime]
                    grouped[mime].append(sanitize(data if isinstance(data, str) else "".join(data), patterns))
    return dict(grouped)


def _copy(output: Any) -> Any:
    """coalesce_streams edits stream outputs in place: hand it copies, never the caller's notebook."""
    return copy.deepcopy(output)


def differing_cells(committed: Any, executed: Any, *, learner: str, sanitize_cfg: Path = SANITIZE_CFG) -> list[CellDifference]:
    """The code cells of ``executed`` (run on ``learner``'s seat) whose outputs differ from ``committed``'s.

    Both are nbformat v4 notebooks of the same lesson (same cells, in the same order).
    """
    if len(committed.cells) != len(executed.cells):
        raise ValueError(f"not the same notebook: {len(committed.cells)} cells committed, {len(executed.cells)} executed")
    patterns = sanitize_patterns(learner, sanitize_cfg)
    differences = []
    for index, (reference, fresh) in enumerate(zip(committed.cells, executed.cells)):
        if reference.cell_type != "code" or not _checked(reference):
            continue
        want, got = _texts(reference.outputs, patterns), _texts(fresh.outputs, patterns)
        if want != got:
            differences.append(CellDifference(index, reference.source, want, got))
    return differences


__all__ = ["CLASSROOM_SANITIZE", "CellDifference", "differing_cells", "sanitize", "sanitize_patterns"]
