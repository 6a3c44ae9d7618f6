"""The HTTP API and web page served by ``persona serve``."""
