"""Open ShopCRM from a source checkout: `python main.py [--db URL] [command]`."""

import sys

from shopcrm.cli import main

if __name__ == "__main__":
    sys.exit(main())
