-- One database per service (each service owns its tables).
CREATE DATABASE flotilla_release;
CREATE DATABASE flotilla_registry;
CREATE DATABASE flotilla_sync;
CREATE DATABASE flotilla_monitor;
