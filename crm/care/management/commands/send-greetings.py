"""`crm send-greetings [--date YYYY-MM-DD]`: sends the day's customer-care greetings now (what the hourly job does
from the configured hour on). Running it again sends nothing twice."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from crm.care.services import send_due_greetings


class Command(BaseCommand):
    help = "Send today's (or --date's) customer-care greetings. Safe to run again: nothing is sent twice."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day to greet for, YYYY-MM-DD (default: today in the company's "
                                           "time zone).")

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(f"--date must look like 2027-02-06, not {options['date']!r}.") from error
        run = send_due_greetings(today=today)
        summary = f"Sent {run.sent}, failed {run.failed}, skipped {run.skipped}, already done {run.already_done}."
        if run.stopped_by:
            raise CommandError(f"{summary} Stopped: the mail server is unavailable ({run.stopped_by}); "
                               "run again once it is back.")
        self.stdout.write(self.style.SUCCESS(summary))
