"""Benchmark: online redemptions over HTTP against the real server, the whole path (device
signature, QR signature, PIN block, balance, ledger transfer, signed receipt).

Setup (not timed): a fresh database with households holding funded Sembako wallets, a QR card
and a PIN each, and partner shops with a cashier login and a registered device. Then
``bansos serve --workers N`` runs as its own processes and a load generator, another process,
drives it with ``--concurrency`` requests in flight for ``--seconds``. The requests (device
signatures and sealed PINs) are prepared before the clock starts, so the generator's own crypto
is not timed; it still shares this machine's two cores with the server. The generator is wrk
(C, a few percent of a core at these rates; Debian package ``wrk``) when it is installed, else
aiohttp (which takes about half a core at a thousand requests a second: the figures are then
lower, and the output says which was used). Afterwards ``ledger verify`` must pass. The
baseline, measured the same way in the same run, is ``GET /healthz`` (one database round trip):
the server's and generator's HTTP ceiling.

    .venv/bin/python bench/redeem_http.py [--seconds 20] [--concurrency 32] [--workers 2]
                                          [--url postgresql://...] [--generator wrk|aiohttp]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import KEY, run_phase

HOUSEHOLDS = 2_000
SHOPS = 8
PIN = "482913"
PASSWORD = "bench-kasir-password"


def phase_setup(url: str, data_dir: str) -> dict[str, float]:
    import hashlib

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from bansos.auth.service import Actor
    from bansos.db import make_engine, unit_of_work
    from bansos.ledger import service as ledger
    from bansos.merchants import service as merchants
    from bansos.migrate import upgrade
    from bansos.programs import service as programs
    from bansos.programs.definition import read_file
    from bansos.registry.models import Household
    from bansos.runtime import open_runtime
    from bansos.settings import Settings
    from bansos.vouchers import service as vouchers

    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(conn)
    engine.dispose()
    rt = open_runtime(Settings(data_dir=Path(data_dir), database_url=url, secret_key=KEY))
    op, ap = Actor("siti", "operator"), Actor("budi", "approver")
    examples = Path(__file__).resolve().parents[1] / "examples"
    cards, devices = [], []
    with unit_of_work(rt.factory) as db:
        programs.load(db, read_file(examples / "sembako.toml"), "bench")
        state = ledger.open_account(db, "state_budget", "APBN").id
        budget = ledger.open_account(db, "program_budget", "program:SEMBAKO", "SEMBAKO").id
        pool = ledger.open_account(db, "program_pool", "program:SEMBAKO", "SEMBAKO").id
        total = 1_000_000 * HOUSEHOLDS
        ledger.transfer(db, ledger.TransferSpec("b-alloc", state, budget, total, "allocation"),
                        "bench")  # fmt: skip
        ledger.transfer(db, ledger.TransferSpec("b-fund", budget, pool, total, "funding"), "bench")
        vouchers.ensure_keys(db, rt.cipher)
        for n in range(HOUSEHOLDS):
            hh = Household(
                kk_enc=b"x",
                kk_index=hashlib.sha256(b"%d" % n).digest()[:16],
                kk_mask="3403********0001",
                region_code="340301",
                welfare_decile=2,
            )
            db.add(hh)
            db.flush()
            wallet = ledger.open_account(db, "recipient_wallet", vouchers.owner(hh.id),
                                         "SEMBAKO").id  # fmt: skip
            ledger.transfer(db, ledger.TransferSpec(f"b-pay-{n}", pool, wallet, 1_000_000,
                                                    "disbursement"), "bench")  # fmt: skip
            cards.append(vouchers.issue_credential(db, rt.cipher, hh.id, op).qr_text)
            vouchers.set_pin(db, rt.cipher, hh.id, PIN)
        for s in range(SHOPS):
            shop = merchants.onboard(db, merchants.MerchantIn(
                name=f"E-Warong {s}", owner_name="Bench", kind="e_warong",
                region_code="340301", address="Jl. Bench", bank_code="BRI",
                bank_account="0123456789", bank_account_name="Bench",
                categories={"SEMBAKO": ["beras", "telur"]}), op)  # fmt: skip
            merchants.decide(db, shop.id, ap, approve=True, reason="bench")
            merchants.add_staff(db, shop.id, f"kasir{s}", PASSWORD, "Kasir", op)
            key = Ed25519PrivateKey.generate()
            raw = base64.urlsafe_b64encode(key.public_key().public_bytes_raw()).decode()
            device = merchants.register_device(db, shop.id, "POS", raw.rstrip("="), op)
            devices.append({"id": device.id, "user": f"kasir{s}",
                            "key": key.private_bytes_raw().hex()})  # fmt: skip
        pin_public = vouchers.pin_key(db, rt.cipher).public_key().public_bytes_raw().hex()
    rt.close()
    Path(data_dir, "bench.json").write_text(json.dumps(
        {"cards": cards, "devices": devices, "pin_key": pin_public}))  # fmt: skip
    return {"households": HOUSEHOLDS, "shops": SHOPS}


def phase_verify(url: str) -> dict[str, float]:
    from bansos.db import make_engine, session_factory, unit_of_work
    from bansos.ledger import service as ledger
    from bansos.vouchers.models import Redemption

    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as db:
        report = ledger.verify(db)
        from sqlalchemy import func, select

        redeemed = db.scalar(select(func.count()).select_from(Redemption)) or 0
    engine.dispose()
    return {"ok": float(report.ok), "transfers": report.transfers, "redemptions": redeemed}


def _prepare(base: str, data_dir: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """Signed requests, ready to send (built before the clock starts)."""
    import random

    import httpx
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

    from bansos.merchants.service import string_to_sign
    from bansos.vouchers import pin

    setup = json.loads(Path(data_dir, "bench.json").read_text())
    server_pin = X25519PublicKey.from_public_bytes(bytes.fromhex(setup["pin_key"]))
    with httpx.Client(base_url=base, timeout=30) as client:
        tokens = {d["id"]: client.post("/api/auth/login", json={
            "username": d["user"], "password": PASSWORD}).json()["token"]
            for d in setup["devices"]}  # fmt: skip
    keys = {d["id"]: Ed25519PrivateKey.from_private_bytes(bytes.fromhex(d["key"]))
            for d in setup["devices"]}  # fmt: skip
    rng = random.Random(7)
    requests = []
    stamp = str(int(time.time()))
    for _ in range(count):
        device = rng.choice(setup["devices"])["id"]
        idem = uuid.uuid4().hex
        body = json.dumps({
            "idempotency_key": idem, "program": "SEMBAKO", "amount": 1_000,
            "categories": ["beras"], "qr": rng.choice(setup["cards"]),
            "pin_block": pin.seal(PIN, server_pin, pin.associated_data(device, idem)),
        }).encode()  # fmt: skip
        sig = keys[device].sign(string_to_sign("POST", "/api/redemptions", stamp, body))
        requests.append((body, {
            "Authorization": f"Bearer {tokens[device]}", "Content-Type": "application/json",
            "X-Device-Id": str(device), "X-Timestamp": stamp,
            "X-Signature": base64.urlsafe_b64encode(sig).decode().rstrip("=")}))  # fmt: skip
    return requests


async def _drive(base: str, work: list[tuple[bytes, dict[str, str]]] | None, path: str,
                 seconds: float, concurrency: int) -> dict[str, float]:  # fmt: skip
    """``concurrency`` workers on kept-alive connections (aiohttp: a fraction of httpx's CPU
    per request, which matters when the generator shares the machine with the server)."""
    import aiohttp

    latencies: list[float] = []
    errors = 0
    cursor = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base, connector=connector) as client:

        async def worker() -> None:
            nonlocal cursor, errors
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                if work is None:
                    async with client.get(path) as r:
                        await r.read()
                        ok = r.status == 200
                else:
                    if cursor >= len(work):
                        return
                    body, headers = work[cursor]
                    cursor += 1
                    async with client.post(path, data=body, headers=headers) as r:
                        await r.read()
                        ok = r.status == 201
                latencies.append(time.perf_counter() - t)
                errors += not ok

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    return {"n": n, "seconds": elapsed, "errors": errors,
            "p50_ms": latencies[n // 2] * 1000 if n else 0.0,
            "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0}  # fmt: skip


def _wrk(base: str, data_dir: str, work: list[tuple[bytes, dict[str, str]]] | None,
         path: str, seconds: float, concurrency: int) -> dict[str, float]:  # fmt: skip
    """The same load from wrk; its script (redeem.lua) prints ``errors= p50= p99= n=``."""
    threads = str(min(2, concurrency))
    cmd = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency"]
    if work is not None:
        table = Path(data_dir, "requests.tsv")
        with table.open("w") as f:
            for body, h in work:
                token = h["Authorization"][len("Bearer ") :]
                fields = [h["X-Device-Id"], token, h["X-Timestamp"], h["X-Signature"]]
                f.write("\t".join([*fields, body.decode()]) + "\n")
        script = str(Path(__file__).with_name("redeem.lua"))
        cmd += ["-s", script, base, "--", str(table), threads]
    else:
        cmd.append(base + path)
    done = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rate = float(done.split("Requests/sec:")[1].split()[0])
    if work is not None:
        fields = dict(part.split("=") for part in done.strip().splitlines()[-1].split())
        n, errors = float(fields["n"]), float(fields["errors"])
        p50, p99 = float(fields["p50"]), float(fields["p99"])
    else:
        n, errors = rate * seconds, float("Non-2xx" in done)
        lines = {ln.split()[0]: ln.split()[1] for ln in done.splitlines() if "%" in ln}
        p50, p99 = _ms(lines["50%"]), _ms(lines["99%"])
    return {"n": n, "seconds": n / rate if rate else seconds, "errors": errors,
            "p50_ms": p50, "p99_ms": p99}  # fmt: skip


def _ms(text: str) -> float:
    """wrk's latency figure (``812.00us``, ``3.21ms``, ``1.02s``) in milliseconds."""
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def phase_load(base: str, data_dir: str, seconds: float, concurrency: int, kind: str,
               count: int, generator: str) -> dict[str, float]:  # fmt: skip
    work = None if kind == "healthz" else _prepare(base, data_dir, count)
    path = "/healthz" if kind == "healthz" else "/api/redemptions"
    if generator == "wrk":
        return _wrk(base, data_dir, work, path, seconds, concurrency)
    return asyncio.run(_drive(base, work, path, seconds, concurrency))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--url", default="", help="a database URL (default: fresh SQLite)")
    parser.add_argument("--generator", choices=("wrk", "aiohttp"),
                        default="wrk" if shutil.which("wrk") else "aiohttp")  # fmt: skip
    parser.add_argument("--phase", nargs="*")
    args = parser.parse_args()
    if args.phase:
        kind = args.phase[0]
        if kind == "setup":
            result = phase_setup(args.phase[1], args.phase[2])
        elif kind == "verify":
            result = phase_verify(args.phase[1])
        else:
            result = phase_load(
                args.phase[1],
                args.phase[2],
                float(args.phase[3]),
                int(args.phase[4]),
                args.phase[5],
                int(args.phase[6]),
                args.phase[7],
            )
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory(prefix="bansos-bench-") as tmp:
        url = args.url or f"sqlite:///{tmp}/bench.db"
        engine_name = url.split(":", 1)[0].split("+")[0]
        run_phase(__file__, "setup", url, tmp)
        port = _free_port()
        env = {**os.environ, "BANSOS_DATA_DIR": tmp, "BANSOS_DATABASE_URL": url,
               "BANSOS_SECRET_KEY": KEY}  # fmt: skip
        bansos = str(Path(sys.executable).with_name("bansos"))
        server = subprocess.Popen([bansos, "serve", "--port", str(port), "--workers",
                                   str(args.workers)], env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            import httpx

            for _ in range(100):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            budget = int(args.seconds * 2_500)  # more prepared requests than can be sent
            base_run = run_phase(__file__, "load", base, tmp, str(args.seconds / 2),
                                 str(args.concurrency), "healthz", "0", args.generator)  # fmt: skip
            load = run_phase(__file__, "load", base, tmp, str(args.seconds), str(args.concurrency),
                             "redeem", str(budget), args.generator)  # fmt: skip
        finally:
            server.terminate()
            server.wait(30)
        check = run_phase(__file__, "verify", url)
        rate = load["n"] / load["seconds"]
        ceiling = base_run["n"] / base_run["seconds"]
        print(f"[{engine_name}] server: {args.workers} process(es); load generator: "
              f"{args.generator}", flush=True)  # fmt: skip
        print(f"[{engine_name}] {load['n']:,.0f} redemptions in {load['seconds']:.1f} s with "
              f"{args.concurrency} in flight: {rate:,.0f} redemptions/s, p50 "
              f"{load['p50_ms']:.1f} ms, p99 {load['p99_ms']:.1f} ms, errors "
              f"{load['errors']:,.0f}", flush=True)  # fmt: skip
        print(f"[{engine_name}] ledger verify: {'ok' if check['ok'] else 'FAULTS'} over "
              f"{check['transfers']:,.0f} transfers; {check['redemptions']:,.0f} redemptions "
              "stored", flush=True)  # fmt: skip
        print(f"[{engine_name}] baseline GET /healthz: {ceiling:,.0f} requests/s, p99 "
              f"{base_run['p99_ms']:.1f} ms", flush=True)  # fmt: skip
        print(f"ratio: {rate / ceiling:.2f} of the /healthz request rate")


if __name__ == "__main__":
    main()
