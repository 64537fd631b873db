"""Harness of the conformance suite: target, recording client, results, pytest plugin, runner."""
