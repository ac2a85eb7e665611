"""`python -m shopcrm` runs the same command line as the `shopcrm` script."""

import sys

from shopcrm.cli import main

sys.exit(main())
