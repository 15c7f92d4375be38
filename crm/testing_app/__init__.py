"""A small module that exists only in the test suite (crm/settings_test.py installs it).

It plugs into the platform the way docs/architecture.md tells a new module to, so the platform's own tests run
on a model of their own instead of on customers, and prove the extension points work for any module. Its text
is not translated: no user ever sees it.
"""
