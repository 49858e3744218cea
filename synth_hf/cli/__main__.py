"""`python -m synth_hf.cli ...` = `synth-hf ...`."""

import sys

from synth_hf.cli import main

sys.exit(main())
