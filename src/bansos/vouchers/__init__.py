"""QR credentials, claim codes, PINs and redemption at partner shops."""
