"""Partner shops (e-warong, warung, bank agents): onboarding, staff, POS devices, settlement."""
