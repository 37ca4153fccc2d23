"""Tandem: a desktop workbench for partner enablement leads and alliance managers."""

__version__ = "0.1.0"
APP_NAME = "Tandem"
