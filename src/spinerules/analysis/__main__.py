"""`python -m spinerules.analysis ARGS` is `spinerules analyze ARGS`."""

import sys

from . import main

sys.exit(main())
