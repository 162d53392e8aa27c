"""The shared test helpers can fail: a check that always passes would prove nothing."""

from __future__ import annotations

import pytest
from flask import Flask

from ivr.webhook.endpoint import Webhook
from tests.support import TwilioClient, assert_worked


def test_a_working_step_passes(twilio: TwilioClient) -> None:
    assert_worked(twilio.post("/voice"))


def test_the_apology_for_a_fault_fails(
    app: Flask, twilio: TwilioClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("a fault inside the flow")

    monkeypatch.setattr(Webhook.of(app).lines.first.flow, "welcome", broken)
    apology = twilio.post("/voice")
    assert apology.status_code == 200
    with pytest.raises(AssertionError, match="apologised"):
        assert_worked(apology)
