"""The kiosk's screens, one per file."""
