import sys

from .cli import main

if __name__ == "__main__":  # not when a tool imports the package's modules
    sys.exit(main())
