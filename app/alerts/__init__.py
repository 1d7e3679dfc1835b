"""Alerts: the service as Alertmanager's webhook receiver (`POST /alerts/webhook`) and the
alerts it was sent (`GET /alerts`), stored by Alertmanager's fingerprint."""
