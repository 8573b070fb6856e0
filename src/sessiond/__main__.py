"""`python -m sessiond` runs the same command line as the `sessiond` script."""

import sys

from sessiond.cli import main

sys.exit(main())
