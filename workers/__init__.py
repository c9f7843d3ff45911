"""Background jobs: dramatiq actors mirroring service/ domains, and their runtime."""
