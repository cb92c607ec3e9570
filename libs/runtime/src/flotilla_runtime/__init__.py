"""Flotilla's shared infrastructure. No business logic lives here."""
