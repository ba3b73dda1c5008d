"""Every periodic job of the service, in one place the scheduler (and the workers) read. A new
schedule adds an import and an entry, one line each; see `jobs.schedules`. For example, in
`resources/reports/schedules.py`:

    async def write_nightly_report(context: JobContext, night: datetime) -> None:
        ...  # idempotent: a second run for the same night changes nothing

    NIGHTLY_REPORT = Schedule("nightly-report", cron="0 3 * * *", run=write_nightly_report)
"""

from ..jobs.schedules import Schedule

SCHEDULES: list[Schedule] = []
