"""The fake Google Health API (see ../google_health.py for the contract)."""
