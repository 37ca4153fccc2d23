"""The KPI library section: definitions, their version history and per-partner overrides."""
