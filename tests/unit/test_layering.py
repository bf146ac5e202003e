"""The tree keeps DESIGN's promises that no single test of behaviour can: read the source itself.

- `models/` and `workflows/` never import Flask (only the `db` object of Flask-SQLAlchemy).
- `fire()`/`start()` in workflows/machine.py (and their set-based forms in machine_sets.py) are the only code that assigns a workflow subject's state or its
  open flag; everything else (the cascade included) asks the engine. The demo seed writes finished histories
  in bulk, as rows with their audit events, and is checked against the engine by its own tests.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "workflows" / "machine.py"
ENGINE_FILES = {ENGINE, ROOT / "workflows" / "machine_sets.py"}
STATE_WRITE = re.compile(r"(?<!self)\.(state|is_active|is_open)\s*=(?!=)|setattr\([^,]+,\s*[\"'](state|is_active|is_open)[\"']")


def _sources(*packages: str, demo: bool = True):
    """The Python files of these packages; without `demo`, not the demo seed (workflows/demo/)."""
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if demo or path.relative_to(ROOT).parts[:2] != ("workflows", "demo"):
                yield path


def test_no_code_outside_the_engine_assigns_a_workflow_state():
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _sources("workflows", "pool", "models", demo=False) if path not in ENGINE_FILES
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if STATE_WRITE.search(line) and not line.lstrip().startswith("#")
    ]
    assert offenders == []


def test_the_engine_is_where_states_are_assigned():
    """The pattern above really finds assignments (else the test before it proves nothing)."""
    assert STATE_WRITE.search(ENGINE.read_text(encoding="utf-8"))


def test_models_and_workflows_never_import_flask():
    flask_import = re.compile(r"^\s*(from|import)\s+flask\b", re.MULTILINE)
    offenders = [str(p.relative_to(ROOT)) for p in _sources("models", "workflows")
                 if flask_import.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
