"""Settings: the environment first, then .streamlit/secrets.toml, then the documented default."""

from hub.settings import DEMO_SECRET, Settings


def test_the_secret_comes_from_the_environment_or_the_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    assert Settings.from_env({}, secrets).record_key_secret == DEMO_SECRET  # no file: demo key
    secrets.write_text('HUB_PERTURBATION_SECRET = "held by the hub"\n'
                       'HUB_SUPPRESSION_THRESHOLD = 10\n')
    stored = Settings.from_env({}, secrets)
    assert stored.perturbation_secret == stored.record_key_secret == "held by the hub"
    assert stored.suppression_threshold == 10
    chosen = Settings.from_env({"HUB_PERTURBATION_SECRET": "from the environment"}, secrets)
    assert chosen.record_key_secret == "from the environment"  # the environment wins
