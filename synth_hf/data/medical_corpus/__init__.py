"""Short medical reference documents used by the example recipes and tests."""
