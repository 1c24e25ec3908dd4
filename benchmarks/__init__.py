"""Benchmarks of ec-client; ``python -m benchmarks`` runs them all."""
