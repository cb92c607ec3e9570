"""kubesim: a Kubernetes API simulator for tests and the local stack."""
