"""Stage a dataset in the exact Hugging Face Hub layout, with a dataset card, and publish it.

`stage_dataset` writes, locally and offline:

    out_dir/
      README.md                                  card rendered from cards/dataset_card.md.jinja
      data/{split}-{i:05d}-of-{n:05d}.parquet    shards, as `push_to_hub` names them
      .synth_hf_staging                          marker: restaging only replaces a folder that has it
                                                 (or is new or empty); never uploaded

`datasets.load_dataset(out_dir)` reads it back exactly (the card's `configs:` block lists the
shards), so a staged folder can be checked before anything leaves the machine. Check it with
`load_staged(out_dir)`: datasets 5.x caches a local folder under its *name*, so a plain
`load_dataset` of a re-staged folder (or of another folder with the same name) can return stale
rows. `publish_dataset` uploads the folder with `huggingface_hub.HfApi`. A scrubber makes sure no token or secret is
written into the card, the config dump or the data, and the staged folder is verified before upload.
"""

from synth_hf.hub.publish import publish_dataset, resolve_token, upload_folder
from synth_hf.hub.secrets import REDACTED, assert_clean, find_secrets, has_secret, scrub, scrub_text
from synth_hf.hub.staging import (
    CARDS_DIR,
    DEFAULT_MAX_SHARD_ROWS,
    STAGING_MARKER,
    build_front_matter,
    load_staged,
    most_restrictive_license,
    render_card,
    size_category,
    stage_dataset,
)

__all__ = [
    "CARDS_DIR",
    "DEFAULT_MAX_SHARD_ROWS",
    "REDACTED",
    "STAGING_MARKER",
    "assert_clean",
    "build_front_matter",
    "find_secrets",
    "has_secret",
    "load_staged",
    "most_restrictive_license",
    "publish_dataset",
    "render_card",
    "resolve_token",
    "scrub",
    "scrub_text",
    "size_category",
    "stage_dataset",
    "upload_folder",
]
