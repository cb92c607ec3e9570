"""Flotilla's local stack: real PostgreSQL, Apache Kafka, kubesim and the services on loopback."""
