"""One `python -m local.runner` for the whole session, shared by the end-to-end tests that only call it."""
import pytest

from tests.e2e.test_local_runner import Runner


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A running local backend on free ports with its own data dir: the Runner (call, banner_value)."""
    runner = Runner(tmp_path_factory.mktemp("e2e-data"))
    try:
        runner.wait_ready()
        yield runner
    finally:
        runner.kill_everything()
