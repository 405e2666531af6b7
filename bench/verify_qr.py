"""Benchmark: full offline QR verifications per second on one core, beside the raw Ed25519
verify rate of the same machine measured in the same run.

A full verification is what an offline POS does with a scanned card: strip the prefix, base45
decode, parse the COSE_Sign1 and its protected header, look the key id up among the cached
issuer keys, verify the Ed25519 signature, decode the CWT claims, check validity and the cached
revocation list (10,000 revoked cards). The raw rate is ``Ed25519PublicKey.verify`` over the
same signed bytes. Also prints the payload length and the QR version at error correction M.

    .venv/bin/python bench/verify_qr.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bansos.core.base45 import b45decode
from bansos.vouchers import cose, qr
from bansos.vouchers.card import qr_version


def rates(fns: Sequence[Callable[[], object]], seconds: float) -> list[float]:
    """Calls per second of each function: slices taken in turn (so that a noisy neighbour
    slows them alike), the best slice of each."""
    calls = list(fns)
    per_slice = []
    for fn in calls:
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < 0.1:
            fn()
            n += 1
        per_slice.append(max(1, int(n / 0.1 * seconds / 10)))
    best = [0.0] * len(calls)
    for _ in range(5):
        for i, fn in enumerate(calls):
            t = time.perf_counter()
            for _ in range(per_slice[i]):
                fn()
            best[i] = max(best[i], per_slice[i] / (time.perf_counter() - t))
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    key = Ed25519PrivateKey.generate()
    kid = b"benchkid"
    now = int(time.time())
    claims = qr.Claims(credential_id=os.urandom(8), subject=os.urandom(10),
                       programs=("PKH", "SEMBAKO"), issued_at=now, not_before=now - 300,
                       expires_at=now + 86_400 * 730)  # fmt: skip
    text = qr.encode(claims, key, kid)
    keys = {kid: qr.TrustedKey(key.public_key(), "active"),
            **{os.urandom(8): qr.TrustedKey(Ed25519PrivateKey.generate().public_key(),
                                            "verify_only") for _ in range(5)}}  # fmt: skip
    revoked = {os.urandom(8) for _ in range(10_000)}
    message = cose.parse(b45decode(text[len(qr.PREFIX) :]))
    signed, signature, public = message.signed_bytes(), message.signature, key.public_key()
    assert qr.read(text, keys, revoked, now).claims == claims

    raw, full = rates([lambda: public.verify(signature, signed),
                       lambda: qr.read(text, keys, revoked, now)], args.seconds)  # fmt: skip
    print(f"payload: {len(text)} characters (limit {qr.MAX_CHARS}), QR version "
          f"{qr_version(text)} at error correction M, alphanumeric")  # fmt: skip
    print(f"raw Ed25519 verify: {raw:,.0f} verifications/s (one core)")
    print(f"full QR verification: {full:,.0f} verifications/s (one core)")
    print(f"ratio: {full / raw:.2f} of the raw Ed25519 rate (target >= 0.8)")


if __name__ == "__main__":
    main()
