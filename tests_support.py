"""Constants the tests share with conftest.py."""

DEMO_PASSWORD = "demo-Passw0rd"
