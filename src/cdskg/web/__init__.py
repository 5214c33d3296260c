"""The HTTP layer: thin Flask views over plain functions."""

from cdskg.web.app import create_app

__all__ = ["create_app"]
