"""The rollout domain: one release's progress in one cluster, as a typed state machine."""
