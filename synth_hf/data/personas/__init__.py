"""The persona pool built by synth_hf: lists of roles, expertise, settings and traits (components.json,
written for this project, licence in LICENSE) composed deterministically by `synth_hf.steps.aide.personas`."""
