"""The unified ingress and its drivers."""
