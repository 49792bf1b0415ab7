"""The bounded load test of issue 9 (``make load``): simulated secretaries and reviewers over HTTP."""
