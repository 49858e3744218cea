"""What a run shows and leaves behind besides its data: logging, live progress, notices, the run report."""
