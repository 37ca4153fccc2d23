"""The partner's Success plan tab: the 30-60-90 plan with its phases, goals, milestones and a timeline."""
