"""The portfolio dashboard section and the partner's Scorecard tab."""
