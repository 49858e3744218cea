"""`python -m synth_hf ...` = `synth-hf ...` (the console script's entry point)."""

import sys

from synth_hf.cli import main

if __name__ == "__main__":
    sys.exit(main())
