"""One packaged template per test session (dependencies layer skipped: it does not change the template)."""
import json
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def package(tmp_path_factory):
    """`make package` into a temporary directory, once: {dir, template, summary}."""
    from infra.build import build

    out = tmp_path_factory.mktemp("package") / "package"
    summary = build(out, stage="prod", deps=False)
    return {"dir": out, "template": json.loads(Path(summary["template"]).read_text()), "summary": summary}


@pytest.fixture(scope="session")
def app_description():
    """infra.discover's view of the app imported in this process (every capability registered)."""
    import app
    from infra.discover import describe

    return describe(app.app, app.CAPABILITIES)
