"""The conformance suite (pytest checks in `conformance/`) and its harness (`harness/`)."""
