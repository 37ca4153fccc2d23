"""PDF reports (reportlab). Service layer: no Qt here; the CLI and the UI both call these."""
