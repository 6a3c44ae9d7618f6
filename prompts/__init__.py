"""personakit's versioned prompt files (data, not code): a package so that they ship inside
the wheel and are read with ``importlib.resources`` (see ``agent.prompts``)."""
