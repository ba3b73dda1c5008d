"""What follows a committed change: its event, written to the outbox in the change's transaction
(`db.events`), is delivered to every webhook URL (`webhooks`) at least once, with retries and
backoff, by whichever process claims it first (`delivery`); the API processes wake the
deliverers after each commit and look for anything left behind (`relay`). An event that keeps
failing is parked, and retried by `python -m <package>.events retry`."""
