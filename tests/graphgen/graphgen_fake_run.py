"""Run the fake-engine GraphGen pipeline in its own process (resume test): argv = out_dir overrides_json."""

import json
import sys

from graphgen_fakes import PIPELINE_DOCS, fake_config

from synth_hf.pipelines.graphgen import run_graphgen

if __name__ == "__main__":
    out_dir, overrides = sys.argv[1], json.loads(sys.argv[2])
    result = run_graphgen(fake_config(out_dir, PIPELINE_DOCS, **overrides))
    print("ROWS", len(result.dataset))
