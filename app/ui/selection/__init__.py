"""Partner selection screens: the partner's Selection tab, the Selection sidebar section, print settings."""
