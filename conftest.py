"""Every test runs in development mode: the repository's development secret and key, and
loopback targets (kubesim, HAProxy on 127.0.0.1), are allowed only there. A test of the
production refusal turns it off for itself."""

import os

os.environ["FLOTILLA_DEV_MODE"] = "1"
