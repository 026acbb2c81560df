"""The GUI-free core: result model, profiles, runner, verdict rules. Never imports Qt."""
