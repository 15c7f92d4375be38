"""The `crm` console command: Django management with the CRM's settings (`crm migrate`, `crm demo`, `crm serve`)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["crm", *sys.argv[1:]])


if __name__ == "__main__":
    main()
