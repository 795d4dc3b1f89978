"""LLM settings fail fast and keep the key secret; the price table prices every model id."""

from __future__ import annotations

import pytest

from frontdesk.adapters.llm.pricing import PriceTable
from frontdesk.config import DEFAULT_LLM_PRICES, LlmPrice, Settings, load_settings
from frontdesk.errors import ConfigError

SECRET = "sk-settings-secret-0000"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_APIKEY"):
        monkeypatch.delenv(name, raising=False)
    for name in ("PROVIDER", "BASE_URL", "MODEL", "TIMEOUT_S", "PRICES", "MAX_ATTEMPTS"):
        monkeypatch.delenv(f"FRONTDESK_LLM_{name}", raising=False)


def test_defaults_are_local_with_no_network_and_no_key() -> None:
    settings = Settings()
    assert settings.llm_provider == "local"
    assert settings.openai_api_key is None
    assert settings.llm_timeout_s == 20.0 and settings.llm_max_attempts == 3


@pytest.mark.parametrize("variable", ["OPENAI_API_KEY", "OPENAI_APIKEY"])
def test_key_comes_from_either_variable_and_never_shows(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, SECRET)
    settings = load_settings()
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == SECRET
    for dump in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        str(settings.model_dump()),
    ):
        assert SECRET not in dump


def test_openai_api_key_wins_over_the_seed_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-first")
    monkeypatch.setenv("OPENAI_APIKEY", "sk-second")
    key = load_settings().openai_api_key
    assert key is not None and key.get_secret_value() == "sk-first"


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("FRONTDESK_LLM_PROVIDER", "cloud", "FRONTDESK_LLM_PROVIDER"),
        ("FRONTDESK_LLM_BASE_URL", "localhost:11434", "FRONTDESK_LLM_BASE_URL"),
        ("FRONTDESK_LLM_TIMEOUT_S", "0", "FRONTDESK_LLM_TIMEOUT_S"),
        ("FRONTDESK_LLM_MAX_ATTEMPTS", "0", "FRONTDESK_LLM_MAX_ATTEMPTS"),
        ("FRONTDESK_LLM_PRICES", '{"m": {"input": -1, "output": 0}}', "FRONTDESK_LLM_PRICES"),
        ("FRONTDESK_LLM_PRICES", "not json", "FRONTDESK_LLM_PRICES"),
    ],
)
def test_bad_values_fail_fast_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, named: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert named in caught.value.message


def test_base_url_loses_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTDESK_LLM_BASE_URL", "http://localhost:11434/v1/")
    assert load_settings().llm_base_url == "http://localhost:11434/v1"


def test_a_price_added_in_the_environment_keeps_the_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRONTDESK_LLM_PRICES", '{"llama3.1:8b": {"input": 0, "output": 0}}')
    prices = load_settings().llm_prices
    assert prices["llama3.1:8b"] == LlmPrice(input=0, output=0)
    assert prices["gpt-4o-mini"] == DEFAULT_LLM_PRICES["gpt-4o-mini"]


@pytest.mark.parametrize(
    ("model", "priced_as"),
    [
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "ft:gpt-4o-mini"),
        ("ft:gpt-3.5-turbo-0125:acme:shop:xyz", "ft:gpt-3.5-turbo"),
    ],
)
def test_every_openai_id_finds_its_price(model: str, priced_as: str) -> None:
    assert PriceTable(DEFAULT_LLM_PRICES).price_for(model) == DEFAULT_LLM_PRICES[priced_as]


def test_a_fine_tuned_id_without_its_own_price_is_priced_as_its_base() -> None:
    table = PriceTable({"gpt-4o-mini": LlmPrice(input=1, output=2)})
    assert table.price_for("ft:gpt-4o-mini-2024-07-18:acme::abc") == LlmPrice(input=1, output=2)


def test_cost_is_per_million_tokens_and_unknown_models_have_none() -> None:
    table = PriceTable(DEFAULT_LLM_PRICES)
    # gpt-4o-mini: $0.15 per 1M input, $0.60 per 1M output
    assert table.cost_usd("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert table.cost_usd("gpt-4o-mini", 200, 40) == pytest.approx(0.000054)
    assert table.cost_usd("llama3.1:8b", 200, 40) is None
