"""Small reflections with hand-checkable figures, shared by the analyze tests.

Written in the forms the parser reads reliably (attempt headings with minutes and a
mark, **Date**, **Duration**, Lessons and Action Items lists), so the tests depend on
the analysis, not on parser tuning.

Hand figures for `write_samples` (alpha, beta, gamma):

    session  total  wasted        partial  productive  share
    alpha      60   10+20 = 30       0        5        30/60 = 0.5
    beta       90   30+15 = 45      20        0        45/90 = 0.5   (attempt 3 has no minutes)
    gamma      40   25               0       10        25/40 = 0.625
    all       190   100             20       15        100/190

Categories: skipped-discovery 20+25 = 45 (alpha, gamma), flaky-tests 30 + one attempt
without minutes (beta), access-blocked 10 (alpha), unclassified 15 (beta).
"""

from __future__ import annotations

from pathlib import Path

ALPHA = """\
# Session Reflection: Database migration

**Date**: 2026-01-10
**Duration**: 60 minutes
**Result**: ✅ SUCCESS

## Attempts

### Attempt 1: Direct psql to production (10 min) ❌

**Root cause**: Permission denied: the database is VPC-isolated.

### Attempt 2: Build a custom Lambda (20 min) ❌

**Root cause**: The tool already existed in the repo.

**What I should have done**: Search the repo for existing scripts first

### Attempt 3: Use the rds-query script (5 min) ✅

It worked.

## Lessons Learned

- Search the repo for existing scripts first

## Action Items

- [ ] Document the rds-query tool (HIGH)
- [x] Add the migration to the changelog (LOW)
"""

BETA = """\
# Session Reflection: Flaky CI

**Date**: 2026-02-03
**Duration**: 90 minutes
**Result**: ⚠️ PARTIAL

## Attempts

### Attempt 1: Re-run the failing suite (30 min) ❌

**Root cause**: The test is flaky: it fails intermittently on a race condition.

### Attempt 2: Rewrite the fixture (15 min) ❌

It did not help.

### Attempt 3: Quarantine the flaky test ❌

Nobody agreed to it.

### Attempt 4: Pin the test order (20 min) ⚠️

**Outcome**: Partial success, the suite passes but slowly.

## Lessons Learned

- Keep the notes short

## Action Items

- [ ] Pin the test order in CI (MEDIUM)
"""

GAMMA = """\
# Session Reflection: Deploy script

**Date**: 2026-02-20
**Duration**: 40 minutes
**Result**: ✅ SUCCESS

## Attempts

### Attempt 1: Write a new deploy script (25 min) ❌

**Root cause**: A deploy script already existed under tools/.

**What I should have done**: Search the repo for existing scripts first.

### Attempt 2: Run tools/deploy (10 min) ✅

Done.

## Lessons Learned

- Search the repository for existing scripts first
"""

UNDATED = """\
# Session Reflection: Notes without a date

**Duration**: 30 minutes

### Attempt 1: Guess the config (30 min) ❌

**Root cause**: Nobody knew.
"""


def write_samples(root: Path, *, undated: bool = False) -> Path:
    """Write alpha/beta/gamma (projects = folder names) under `root`/sessions."""
    base = root / "sessions"
    for project, name, text in (
        ("alpha", "2026-01-10-db.md", ALPHA),
        ("beta", "2026-02-03-ci.md", BETA),
        ("gamma", "2026-02-20-deploy.md", GAMMA),
    ) + ((("delta", "notes.md", UNDATED),) if undated else ()):
        (base / project).mkdir(parents=True, exist_ok=True)
        (base / project / name).write_text(text, encoding="utf-8")
    return base
