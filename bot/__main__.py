"""`python -m bot` is `digiwatt-bot`."""

import sys

from bot.cli import main

sys.exit(main())
