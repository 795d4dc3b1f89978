"""Shared fixtures: paths to the shared evaluation data and the exported model."""

from __future__ import annotations

from pathlib import Path

import pytest

from frontdesk.config import load_settings

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
