"""Run a fake-engine AIDE config in its own process (resume test): argv = config_json."""

import json
import sys

from synth_hf.pipelines.aide import run_aide
from synth_hf.pipelines.aide_config import AIDEConfig

if __name__ == "__main__":
    result = run_aide(AIDEConfig.model_validate(json.loads(sys.argv[1])))
    print("ROWS", len(result.dataset))
