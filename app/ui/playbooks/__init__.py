"""The Playbooks section: onboarding playbook templates, their versions, comparing and import/export."""
