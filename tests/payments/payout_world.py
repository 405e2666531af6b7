"""Households, funded wallets, disbursed cycles and payout channels for the payout tests.

Registry rows are inserted directly (these tests are about money, not imports), but every
rupiah still arrives through ledger transfers: allocation, funding and the cycle's own
disbursement (``cycles.disburse``), so that ``ledger.verify`` means something afterwards.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, sessionmaker

from bansos.auth.service import Actor
from bansos.core.crypto import FieldCipher
from bansos.db import insert_rows
from bansos.ledger import service as ledger
from bansos.ledger.service import TransferSpec
from bansos.payments import channels
from bansos.payments.models import PayoutChannel
from bansos.programs import cycles
from bansos.programs import service as programs
from bansos.programs.definition import read_file
from bansos.registry.models import Household, Person
from bansos.targeting.models import Candidate, CandidateList

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OPERATOR = Actor("siti", "operator")
APPROVER = Actor("budi", "approver")
DISTRICT = "340301"
PROGRAM = "SEMBAKO"


def load_program(db: Session) -> None:
    programs.load(db, read_file(EXAMPLES / "sembako.toml"), "siti")


def household(db: Session, cipher: FieldCipher, people: Iterable[tuple[str, str]]) -> int:
    """A household with members ``(full name, relationship)``; numbers are placeholders."""
    hh = Household(kk_enc=b"x", kk_index=uuid.uuid4().bytes, kk_mask="3403********0001",
                   region_code=DISTRICT, welfare_decile=2)  # fmt: skip
    db.add(hh)
    db.flush()
    add_people(db, hh.id, people)
    return hh.id


def add_people(db: Session, household_id: int, people: Iterable[tuple[str, str]]) -> None:
    """Members ``(full name, relationship)`` of a household; their numbers are placeholders."""
    for name, relationship in people:
        digest = hashlib.sha256(f"{household_id}:{name}:{relationship}".encode()).digest()
        db.add(Person(nik_enc=b"x", nik_index=digest[:16], nik_mask="3403********0001",
                      household_id=household_id, full_name=name, birth_date=date(1980, 5, 17),
                      sex="F", relationship=relationship, region_code=DISTRICT,
                      row_digest=digest[:16], source_digest=digest[16:]))  # fmt: skip
    db.flush()


def funded_wallet(db: Session, household_id: int, amount: int) -> int:
    """The household's SEMBAKO wallet with ``amount`` in it, through the ledger."""
    state = ledger.open_account(db, "state_budget", "APBN").id
    budget = ledger.open_account(db, "program_budget", "program:SEMBAKO", PROGRAM).id
    pool = ledger.open_account(db, "program_pool", "program:SEMBAKO", PROGRAM).id
    wallet = ledger.open_account(db, "recipient_wallet", f"household:{household_id}", PROGRAM).id
    for key, debit, credit, code in (("alloc", state, budget, "allocation"),
                                     ("fund", budget, pool, "funding"),
                                     ("pay", pool, wallet, "disbursement")):  # fmt: skip
        ledger.transfer(db, TransferSpec(f"t-{key}-{household_id}", debit, credit, amount, code),
                        "siti")  # fmt: skip
    return wallet


@dataclass
class Cycle:
    id: int
    households: list[int]


def disbursed_cycle(factory: sessionmaker[Session], n: int, *, amount: int = 200_000) -> Cycle:
    """``n`` households on an approved SEMBAKO list, their cycle funded and disbursed."""
    with factory() as db:
        load_program(db)
        stamp = datetime.now(UTC)
        households: Table = Household.__table__  # type: ignore[assignment]
        first = (db.scalar(select(Household.id).order_by(Household.id.desc()).limit(1)) or 0) + 1
        rows = [(i.to_bytes(8, "big"), (10**9 + i).to_bytes(16, "big"), "3403************",
                 DISTRICT, "{}", 2, stamp, stamp) for i in range(first, first + n)]  # fmt: skip
        insert_rows(db, households, ("kk_enc", "kk_index", "kk_mask", "region_code",
                                     "attributes", "welfare_decile", "created_at",
                                     "updated_at"), rows)  # fmt: skip
        ids = list(db.scalars(select(Household.id).where(Household.id >= first)
                              .order_by(Household.id)))  # fmt: skip
        cl = CandidateList(program_code=PROGRAM, program_version=1, period="2026-12",
                           status="approved", created_by="t", submitted_by="a",
                           decided_by="b")  # fmt: skip
        db.add(cl)
        db.flush()
        candidates: Table = Candidate.__table__  # type: ignore[assignment]
        insert_rows(db, candidates, ("list_id", "household_id", "region_code", "eligible",
                                     "reason", "benefit", "rule_reason", "rule_benefit"),
                    [(cl.id, h, DISTRICT, True, "", amount, "", amount) for h in ids])  # fmt: skip
        cycle_id = cycles.create(db, PROGRAM, "2026-12", OPERATOR).id
        cycles.compute(db, cycle_id, OPERATOR)
        cycles.submit(db, cycle_id, OPERATOR)
        cycles.decide(db, cycle_id, APPROVER, approve=True, reason="ok")
        cycles.fund(db, cycle_id, OPERATOR)
        db.commit()
    cycles.disburse(factory, cycle_id, OPERATOR)
    return Cycle(cycle_id, ids)


def verified_channels(
    db: Session,
    cipher: FieldCipher,
    households: Iterable[int],
    *,
    provider: str,
    kind: str,
    number: str = "{household:010d}",
    holder: str = "WARGA {household}",
    bank_code: str = "",
) -> None:
    """Verified channels inserted directly (the inquiry is tested on its own), in bulk."""
    table: Table = PayoutChannel.__table__  # type: ignore[assignment]
    stamp = datetime.now(UTC)
    rows = []
    for h in households:
        account = number.format(household=h)
        rows.append((h, PROGRAM, kind, provider,
                     cipher.encrypt(account, channels.ACCOUNT_CONTEXT),
                     cipher.blind_index(f"{provider}:{account}", channels.ACCOUNT_CONTEXT),
                     channels.mask_account(account), bank_code,
                     cipher.encrypt(holder.format(household=h), channels.NAME_CONTEXT), "exact",
                     "verified", "", "siti", stamp))  # fmt: skip
    insert_rows(db, table, ("household_id", "program_code", "kind", "provider", "account_enc",
                            "account_index", "account_mask", "bank_code", "holder_name_enc",
                            "name_match", "status", "review_note", "requested_by",
                            "requested_at"), rows)  # fmt: skip
