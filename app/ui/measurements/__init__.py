"""Measurement entry: the fast grid, CSV import (preview, mapping, rejected rows) and export."""
