"""Rails to banks and e-wallet providers (Bank Indonesia's SNAP API), and their simulator."""
