"""``python -m missionfinance`` runs the command line."""

import sys

from missionfinance.cli import main

sys.exit(main())
