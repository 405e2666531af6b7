"""A strict SNAP simulator: one bank and one e-wallet provider, with their own books and faults."""
