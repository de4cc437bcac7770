"""Browser tests: the real dashboard in a real Chromium (`pytest -m e2e`)."""
