"""Shared fixtures. AWS code paths run against a real moto server on 127.0.0.1, never a fake."""

from __future__ import annotations

import logging
import urllib.request

import pytest
from hypothesis import settings

REGION = "us-east-1"

# No per-example deadline (Hypothesis's default is 200 ms): on a loaded machine a slow example is
# not a failure. How fast things run is measured in benchmarks/, not decided by a test.
settings.register_profile("flowtail", deadline=None)
settings.load_profile("flowtail")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own HOME and XDG directories, so nothing writes to the real
    ~/.local/state/flowtail (the alert journal) or reads the user's ~/.aws."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name, sub in (("XDG_STATE_HOME", ".local/state"), ("XDG_CONFIG_HOME", ".config"),
                      ("XDG_CACHE_HOME", ".cache"), ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(name, str(home / sub))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / ".aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / ".aws" / "credentials"))
    return home


@pytest.fixture(scope="session")
def moto_server():
    """One moto server for the test session (CloudWatch Logs, SNS, SQS, ...), on a free loopback port."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_endpoint(moto_server, monkeypatch):
    """The moto endpoint, emptied before the test, with throwaway credentials in the environment."""
    request = urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_server
