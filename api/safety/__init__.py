"""Safety at the moments that matter: the crisis net every inbound message passes first."""
