"""Example data shipped with synth_hf (a package so setuptools installs the files)."""
