"""Shared fixtures: paths to the shared evaluation data and the exported model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from frontdesk.config import load_settings

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    configured = os.environ.get("FRONTDESK_SHARED_DATA")
    path = Path(configured) if configured else REPO.parent / "shared" / "data"
    return path.expanduser().resolve()


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
