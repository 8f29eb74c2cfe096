"""Grade a learner's file: ``python -m tinygrad_lite.exercises.grade FILE.py REPORT.json``.

Runs FILE.py as a module (its top level runs, as with ``import``; code under
``if __name__ == "__main__":`` does not), checks every function it defines that is named after
an exercise, prints one verdict per exercise, and writes the counts to REPORT.json.
``tinygrad-lite exercises check FILE.py`` runs this in a process of its own, since the file is
the learner's code, and reads its result from the report (not from an exit code the file
could set itself).
"""

from __future__ import annotations

import json
import runpy
import sys
import traceback
from pathlib import Path

from tinygrad_lite.exercises import EXERCISES
from tinygrad_lite.exercises.messages import text


def _load(path: Path) -> dict | str:
    """The file's top-level names, or one line saying why it could not run."""
    sys.path.insert(0, str(path.parent))  # as `python FILE.py` does: its neighbours import
    try:
        return runpy.run_path(str(path), run_name="__exercises__")
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: BLE001 - the learner's file may raise anything
        if isinstance(err, SyntaxError):
            line = err.lineno
        else:
            frames = [f for f in traceback.extract_tb(err.__traceback__) if f.filename == str(path)]
            line = frames[-1].lineno if frames else None
        where = text("grade.line", line=line) if line else ""
        return (
            text("grade.file_failed", path=path.name, error=f"{type(err).__name__}: {err}") + where
        )


def grade(path: Path) -> dict:
    """Check every exercise function ``path`` defines; print the verdicts; return the counts."""
    namespace = _load(path)
    if isinstance(namespace, str):
        sys.stdout.write(namespace + "\n")
        return {"error": namespace}
    found = [name for name in EXERCISES if callable(namespace.get(name))]
    passed = []
    for name in found:
        verdict = EXERCISES[name].check(namespace[name])
        sys.stdout.write(f"{verdict}\n\n")
        if verdict.passed:
            passed.append(name)
    missing = [name for name in EXERCISES if name not in found]
    if not found:
        sys.stdout.write(
            text("grade.none_found", path=path.name, names=", ".join(EXERCISES)) + "\n"
        )
    else:
        summary = text("grade.summary", passed=len(passed), count=len(found), path=path.name)
        sys.stdout.write(summary + "\n")
    return {"checked": found, "passed": passed, "missing": missing}


def main(argv: list[str] | None = None) -> int:
    path, report = (Path(a) for a in (sys.argv[1:] if argv is None else argv))
    report.write_text(json.dumps(grade(path)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
