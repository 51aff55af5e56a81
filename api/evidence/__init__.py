"""The evidence trail per appointment and per inburgeraar (for the hearing before any fine)."""
