"""kubesim: simulated Kubernetes clusters over real HTTP, for Flotilla's tests and local stack."""
