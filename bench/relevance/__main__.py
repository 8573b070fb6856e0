import sys

from bench.relevance.run import main

sys.exit(main())
