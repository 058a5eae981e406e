"""digiwatt-bot: a Telegram assistant for the customers of energy companies on the Digiwatt API."""

__version__ = "0.1.0"

import os

# Opt in now to python-telegram-bot's coming default: durations such as RetryAfter.retry_after
# are `timedelta`s. Without it, PTB 22 warns each time it builds one (and our tests treat
# warnings as errors); the code is written for timedeltas.
os.environ.setdefault("PTB_TIMEDELTA", "true")
