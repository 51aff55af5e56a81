"""Languages, catalogs and locale-aware formatting (Babel)."""
