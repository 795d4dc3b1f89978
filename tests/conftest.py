"""Shared fixtures: shared evaluation data, the exported model, the databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from frontdesk.adapters.storage.database import make_engine
from frontdesk.adapters.storage.migrate import upgrade
from frontdesk.bootstrap import build_assistant
from frontdesk.config import load_settings
from frontdesk.core.engine import Assistant
from tests.databases import BACKENDS, database_url

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """FRONTDESK_SHARED_DATA, whose default (../shared/data) is read from the repo root."""
    path = load_settings().shared_data
    return (path if path.is_absolute() else REPO / path).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}; set FRONTDESK_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def kaggle_faq(shared_data: Path) -> Path:
    return shared_data / "ecommerce-faq" / "Ecommerce_FAQ_Chatbot_dataset.json"


@pytest.fixture(scope="session")
def dev_set(shared_data: Path) -> Path:
    return shared_data / "ecommerce-faq" / "dev.jsonl"


@pytest.fixture(scope="session")
def model_dir() -> Path:
    path = load_settings().default_model_dir
    if not (path / "model.onnx").is_file():
        pytest.skip(f"no exported model at {path}; run `make setup`")
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated conversation store on each backend in turn."""
    with database_url(request.param, tmp_path) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="session")
def demo_assistant(model_dir: Path) -> Assistant:
    """The demo shop's assistant on the real model, built once for the session."""
    return build_assistant()
