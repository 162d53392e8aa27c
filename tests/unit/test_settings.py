"""Settings from the environment: each IVR_* value is the text it is, read by its own setting's parser."""

from __future__ import annotations

import pytest

from ivr import settings
from ivr.settings import ConfigError


def read(environ: dict[str, str]) -> dict[str, object]:
    config = settings.defaults()
    settings.read_environment(config, environ)
    settings.apply_environment(config, environ)
    settings.validate(config, require_token=False)
    return config


def test_values_are_read_as_typed_not_as_json() -> None:
    config = read(
        {
            # JSON would make these a float, a number and a list; each stays the text it is.
            "IVR_STAFF_USER": "sekretaer",
            "IVR_STAFF_PASSWORD": "1.739204856127000",
            "IVR_SECRETARIAT_NUMBER": "+4597662400",
            "IVR_VOICE": '["Polly.Naja"]',
            "IVR_WORKERS": "2",
            "IVR_DEVELOPMENT": "true",
            "TWILIO_AUTH_TOKEN": "12345",
        }
    )
    assert config["STAFF_PASSWORD"] == "1.739204856127000"
    assert config["SECRETARIAT_NUMBER"] == "+4597662400"
    assert config["VOICE"] == '["Polly.Naja"]'
    assert (config["WORKERS"], config["DEVELOPMENT"]) == (2, True)
    assert config[settings.TOKEN_VARIABLE] == "12345"


def test_a_number_in_double_quotes_as_earlier_versions_asked_reads_the_same() -> None:
    config = read({"IVR_SECRETARIAT_NUMBER": '"+4597662400"', "IVR_SMS_FROM": '"+4578787878"'})
    assert (config["SECRETARIAT_NUMBER"], config["SMS_FROM"]) == ("+4597662400", "+4578787878")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("IVR_MAX_TRIES", "3.0"),
        ("IVR_MAX_TRIES", "null"),
        ("IVR_DEVELOPMENT", "maybe"),
        ("IVR_WORKERS", "[2]"),
    ],
)
def test_a_value_its_setting_cannot_read_is_named_at_start(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as refused:
        read({variable: value})
    assert f"{variable}={value}:" in str(refused.value)


def test_a_value_with_control_characters_is_shown_escaped() -> None:
    with pytest.raises(ConfigError) as refused:
        read({"IVR_BIND": "\x1b[31m8000"})
    assert "IVR_BIND='\\x1b[31m8000'" in str(refused.value)
