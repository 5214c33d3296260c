"""cdskg: a knowledge graph of Vietnam's local digital transformation (chuyển đổi số)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cdskg")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"
