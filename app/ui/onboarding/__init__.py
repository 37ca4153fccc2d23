"""Onboarding in the UI: the partner's Onboarding tab (the checklist) and the Onboarding portfolio section."""
