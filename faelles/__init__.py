"""The `faelles` command: it assembles the gateway, the worker and the kiosk over shared/."""
