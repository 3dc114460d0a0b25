"""Credit periods: calendar months in UTC. Pure date arithmetic, the lowest room of `accounts`."""

import datetime as dt


def period_start_for(moment: dt.datetime) -> dt.datetime:
    """The start (UTC midnight on the 1st) of the calendar month containing `moment`."""
    moment = moment.astimezone(dt.timezone.utc)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)



def next_period_start(period_start: dt.datetime) -> dt.datetime:
    year, month = (period_start.year + 1, 1) if period_start.month == 12 else (period_start.year, period_start.month + 1)
    return period_start.replace(year=year, month=month, day=1)
