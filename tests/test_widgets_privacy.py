"""The privacy widget, driven without a browser: sliders re-run DP-FedAvg and redraw."""

import pytest

from fedlearn_edu.privacy.accountant import epsilon
from fedlearn_edu.widgets.privacy import SETTINGS, PrivacyWidget, privacy_widget


@pytest.fixture(scope="module")
def widget():
    return privacy_widget()


def test_default_run(widget):
    assert (widget.noise.value, widget.clip.value) == (1.0, 0.25)
    assert widget.history.config["epsilon"] == pytest.approx(epsilon(1.0, 0.2, SETTINGS["rounds"], 1e-3))
    assert widget.png.startswith(b"\x89PNG") and widget.image.value == widget.png
    assert "ε = 6.34" in widget.status.value and "final accuracy" in widget.status.value
    assert widget.reference.final_accuracy > 0.85  # plain FedAvg on digits
    assert not widget.noise.continuous_update and not widget.clip.continuous_update


def test_more_noise_smaller_epsilon_lower_accuracy(widget):
    before = widget.history
    widget.noise.value = 4.0  # fires the observer: re-run, redraw
    after = widget.history
    assert after is not before and after.config["noise_multiplier"] == 4.0
    assert after.config["epsilon"] < before.config["epsilon"]
    assert after.final_accuracy < before.final_accuracy
    assert "ε = 0.83" in widget.status.value


def test_clipping_norm_changes_accuracy_not_epsilon(widget):
    widget.noise.value = 2.0
    eps = widget.history.config["epsilon"]
    widget.clip.value = 0.05
    assert widget.history.config["epsilon"] == eps
    assert widget.history.config["clip_norm"] == 0.05


def test_no_noise_is_no_privacy_and_runs_are_cached(widget):
    widget.noise.value = 0.0
    assert "no privacy" in widget.status.value
    first = widget.history
    widget.noise.value = 1.0
    widget.noise.value = 0.0
    assert widget.history is first


def test_text_fallback(widget):
    widget.noise.value, widget.clip.value = 2.0, 0.5
    bundle = widget._repr_mimebundle_()
    assert "sliders appear in a running Jupyter notebook" in bundle["text/plain"]
    assert "σ = 2.00, C = 0.50" in bundle["text/plain"]
    assert isinstance(widget, PrivacyWidget)


def test_runs_can_be_handed_in_if_their_settings_match(widget):
    from fedlearn_edu.simulation import mlp, run_dp_fedavg

    made = widget.run(3.0, 0.25)
    other = PrivacyWidget(noise_multiplier=3.0, histories=[made])
    assert other.history is made
    wrong = run_dp_fedavg(
        widget.data, widget.parts, mlp((64, 10), seed=0), noise_multiplier=1.0, clip_norm=0.25,
        **dict(SETTINGS, rounds=2),
    )  # fmt: skip
    with pytest.raises(ValueError, match="the widget's runs use"):
        PrivacyWidget(histories=[wrong])
