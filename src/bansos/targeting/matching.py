"""Matching proposed recipients to civil-registry people: which person each list row means.

A proposals file (village lists, old program lists) is read and checked row by row; each row is
scored against the registry by the linkage model (``linkage``: Splink, trained on this run's
data) and then *decided* here, with rules that put not paying the wrong person first:

* a candidate whose name is clearly different (the model's lowest name level) is never
  accepted, whatever else agrees: a NIK, birth date, sex and region can all be borrowed from a
  relative or a dead person, a name much less so. A row whose NIK points to such a person
  goes to review when nobody else fits (``nik_other_person``);
* the best candidate is accepted only when its probability is high *and* it is clearly ahead of
  the next one (twins, namesakes in one village); otherwise the row waits in the review queue
  (``ambiguous``) with both candidates, instead of being guessed;
* an accepted person who has died gives ``deceased`` (the NIK is shown: the row was identified,
  and must not be paid); a NIK that is malformed and no demographic match gives
  ``invalid_nik``; nothing plausible gives ``not_found``;
* ``exact`` means the NIK and the normalised name agree exactly; any other accepted match is
  ``fuzzy``, with the evidence spelled out in ``reason``.
"""

from __future__ import annotations

import csv
import os
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bansos.core import clock
from bansos.core.nik import InvalidNumber, known_district_codes, parse_kk, parse_nik
from bansos.registry import fields
from bansos.registry.reader import FileProblem, RawRow, RowProblem, RowSource
from bansos.registry.service import MatchRecord
from bansos.targeting import linkage
from bansos.targeting.linkage import NAME_DIFFERENT, NAME_LABELS, NAME_SAME, NIK_EXACT, Scored

REQUIRED = ("row_id", "nik", "full_name", "birth_date", "sex", "region_code", "kk_number")
ALIASES = {
    "id": "row_id", "no": "row_id", "nomor": "row_id", "nama": "full_name",
    "nama_lengkap": "full_name", "name": "full_name", "tanggal_lahir": "birth_date",
    "tgl_lahir": "birth_date", "jenis_kelamin": "sex", "jk": "sex",
    "kode_wilayah": "region_code", "kode_kecamatan": "region_code", "no_kk": "kk_number",
    "nomor_kk": "kk_number", "kk": "kk_number", "sumber": "source",
}  # fmt: skip
RESOLVED_HEADER = ("row_id", "nik", "status", "probability", "reason")

#: A candidate is accepted from this probability on, when it is also ``MARGIN`` ahead ...
ACCEPT = 0.99
#: ... in match weight (log2 of the Bayes factor: 4 means 16 times likelier) of the next.
MARGIN = 4.0
#: Below this nothing is proposed to a reviewer: the row is not found.
REVIEW = 0.5
_DOB_LEVELS = {4: "sama", 3: "tukar_hari_bulan", 2: "satu_digit", 1: "tahun_sama", 0: "beda",
               -1: "kosong"}  # fmt: skip
_NIK_LEVELS = {2: "sama", 1: "satu_digit", 0: "beda", -1: "kosong"}


@dataclass(slots=True)
class Proposal:
    """One row of a proposals file, checked; unusable values are None with a warning."""

    line: int
    row_id: str
    nik: str | None
    nik_invalid: bool
    name: str
    birth_date: date | None
    sex: str
    region: str
    kk: str | None


@dataclass(slots=True)
class Resolution:
    row_id: str
    status: str
    person_id: int | None = None
    probability: float = 0.0
    reason: str = ""
    candidates: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class ProposalFile:
    rows: list[Proposal]
    rejected: list[tuple[int, str]]  # (line, row_id) of rows that cannot be matched at all
    problems: list[RowProblem]


def read_proposals(path: Path, *, today: date | None = None) -> ProposalFile:
    """Check every row. Missing columns fail the whole file (``FileProblem``); a row without a
    row id or a name is rejected; a bad NIK, date, sex, region or KK is dropped from the row
    with a warning and the row is still matched on what is left."""
    on = today or clock.today()
    source = RowSource(path, required=REQUIRED, aliases=ALIASES, optional=("source",))
    known = known_district_codes()
    out = ProposalFile([], [], [])
    seen: set[str] = set()
    for item in source.start():
        if isinstance(item, RowProblem):
            out.problems.append(item)
            out.rejected.append((item.row, ""))
            continue
        row = _check(item, on, known, seen, out.problems)
        if row is None:
            out.rejected.append((item.row, item.values.get("row_id", "").strip()[:40]))
        else:
            out.rows.append(row)
    if not out.rows and not out.rejected:
        raise FileProblem("file.no_rows")
    return out


def _check(
    raw: RawRow, on: date, known: frozenset[str], seen: set[str], problems: list[RowProblem]
) -> Proposal | None:
    v, line = raw.values, raw.row

    def problem(column: str, code: str, **params: object) -> None:
        problems.append(RowProblem(line, column, code, v.get(column, ""), dict(params)))

    row_id = v.get("row_id", "").strip()
    if not row_id:
        problem("row_id", "value.required")
        return None
    if len(row_id) > 40:
        problem("row_id", "value.too_long", max=40)
        return None
    if row_id in seen:
        problem("row_id", "proposal.row_id_repeated")
        return None
    seen.add(row_id)
    try:
        name = fields.text(v.get("full_name", ""), required=True, max_len=200)
    except fields.FieldProblem as exc:
        problem("full_name", exc.code, **exc.params)
        return None
    nik: str | None = None
    nik_invalid = False
    text = v.get("nik", "").strip()
    if text:
        try:
            nik = parse_nik(text).nik
        except InvalidNumber as exc:
            nik_invalid = True
            problem("nik", exc.code, **exc.params)
    born: date | None = None
    if v.get("birth_date", "").strip():
        try:
            born = fields.parse_date(v["birth_date"], today=on)
        except fields.FieldProblem as exc:
            problem("birth_date", exc.code, **exc.params)
    sex = ""
    if v.get("sex", "").strip():
        try:
            sex = fields.sex(v["sex"])
        except fields.FieldProblem as exc:
            problem("sex", exc.code, **exc.params)
    region = ""
    if v.get("region_code", "").strip():
        try:
            region = fields.region_code(v["region_code"], known=known)
        except fields.FieldProblem as exc:
            problem("region_code", exc.code, **exc.params)
    kk: str | None = None
    if v.get("kk_number", "").strip():
        try:
            kk = parse_kk(v["kk_number"].strip()).kk
        except InvalidNumber as exc:
            problem("kk_number", exc.code, **exc.params)
    return Proposal(line, row_id, nik, nik_invalid, name, born, sex, region, kk)


@dataclass
class Outcome:
    resolutions: list[Resolution]
    model: dict[str, Any]
    pairs: int
    #: NIK and household of every person named in ``resolutions`` (chosen or candidate).
    niks: dict[int, str]
    households: dict[int, int]


def match(
    proposals: list[Proposal],
    registry: Iterable[list[MatchRecord]],
    *,
    model: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Score and decide every proposal: resolutions in input order, and the model (trained
    here unless ``model``, saved by an earlier run, is given)."""
    say = progress or (lambda _msg: None)
    dead: set[int] = set()
    # person id -> household id, compactly (two machine arrays; ids arrive in order)
    ids, hids = array("q"), array("q")

    def registry_rows() -> Iterator[tuple[Any, ...]]:
        for batch in registry:
            for r in batch:
                ids.append(r.id)
                hids.append(r.household_id)
                if r.deceased:
                    dead.add(r.id)
                yield linkage.features(r.id, r.nik, r.full_name, r.birth_date, r.sex,
                                       r.region_code, r.kk)  # fmt: skip

    say("registry")
    right = linkage.table(registry_rows())
    left = linkage.table(
        linkage.features(i, p.nik or "", p.name, p.birth_date, p.sex, p.region, p.kk or "")
        for i, p in enumerate(proposals)
    )
    say("load")
    linker = linkage.Model(left, right, model=model)
    try:
        if model is None:
            say("train")
            linker.train()
        say("predict")
        scored = linker.predict()
        say("decide")
        saved = linker.model_json()
        by_row: dict[int, list[Scored]] = defaultdict(list)
        for s in scored:
            by_row[s.left].append(s)
        names = linker.name_weights()
        resolutions = [
            decide(p, sorted(by_row.get(i, ()), key=lambda s: -s.weight), dead, names)
            for i, p in enumerate(proposals)
        ]
        chosen = {r.person_id for r in resolutions if r.person_id is not None}
        chosen.update(pid for r in resolutions for pid, _ in r.candidates)
        niks = linker.niks(chosen)
    finally:
        linker.close()
    households = {pid: hids[bisect_left(ids, pid)] for pid in chosen}
    _mark_duplicates(resolutions)
    return Outcome(resolutions, saved, len(scored), niks, households)


def decide(
    p: Proposal, cands: list[Scored], dead: set[int], name_weights: dict[int, float]
) -> Resolution:
    """The rules of the module docstring, for one row; ``cands`` best first. A name "agrees"
    at the levels the trained model counts as evidence for a match (positive weight):
    "Muhammad Pandu" and "Muhammad Yusuf" are similar strings but not the same name."""

    def agrees(c: Scored) -> bool:
        return c.gamma_name != NAME_DIFFERENT and name_weights.get(c.gamma_name, 0.0) > 0

    viable = [c for c in cands if agrees(c)]
    other = next((c for c in cands if c.gamma_nik == NIK_EXACT), None)
    borrowed = other is not None and not agrees(other)
    shortlist = [(c.right, round(c.probability, 4)) for c in viable[:3]]
    if viable:
        best = viable[0]
        gap = best.weight - viable[1].weight if len(viable) > 1 else float("inf")
        evidence = _evidence(best)
        if borrowed:
            evidence += ";nik_milik_orang_lain"
        if best.probability >= ACCEPT and gap >= MARGIN:
            if best.right in dead:
                status = "deceased"
            elif best.gamma_nik == NIK_EXACT and best.gamma_name == NAME_SAME:
                status = "exact"
            else:
                status = "fuzzy"
            return Resolution(p.row_id, status, best.right, best.probability, evidence, shortlist)
        if best.probability >= REVIEW:
            why = "kandidat_berdekatan" if gap < MARGIN else "bukti_kurang"
            return Resolution(p.row_id, "ambiguous", None, best.probability,
                              f"{why};{evidence}", shortlist)  # fmt: skip
    if borrowed and other is not None and other.probability >= REVIEW:
        # The NIK is someone's, the name is not theirs: a person must look at it.
        return Resolution(p.row_id, "ambiguous", None, other.probability,
                          f"nik_milik_orang_lain;{_evidence(other)}",
                          [(other.right, round(other.probability, 4))])  # fmt: skip
    status = "invalid_nik" if p.nik_invalid else "not_found"
    best_p = viable[0].probability if viable else 0.0
    why = "nik_milik_orang_lain" if borrowed else "tidak_ada_kandidat_cukup_mirip"
    return Resolution(p.row_id, status, None, best_p, why)


def _evidence(c: Scored) -> str:
    return (
        f"nama={NAME_LABELS.get(c.gamma_name, c.gamma_name)};"
        f"lahir={_DOB_LEVELS.get(c.gamma_dob, c.gamma_dob)};"
        f"nik={_NIK_LEVELS.get(c.gamma_nik, c.gamma_nik)}"
    )


def _mark_duplicates(resolutions: list[Resolution]) -> None:
    """A person proposed twice keeps one benefit: later rows name the first row."""
    first: dict[int, str] = {}
    for r in resolutions:
        if r.person_id is None:
            continue
        if r.person_id in first:
            r.reason = f"{r.reason};duplikat_dari={first[r.person_id]}"
        else:
            first[r.person_id] = r.row_id


def counts(resolutions: Iterable[Resolution]) -> dict[str, int]:
    c = Counter(r.status for r in resolutions)
    return {s: c.get(s, 0) for s in ("exact", "fuzzy", "ambiguous", "not_found", "deceased",
                                     "invalid_nik")}  # fmt: skip


def write_resolved(
    path: Path, file: ProposalFile, resolutions: list[Resolution], niks: dict[int, str]
) -> None:
    """One row per input row, in input order (rejected rows as ``not_found`` with the reason
    ``ditolak``); the file holds NIKs in clear, so only its owner may read it."""
    by_line: list[tuple[int, tuple[str, ...]]] = []
    for p, r in zip(file.rows, resolutions, strict=True):
        nik = niks[r.person_id] if r.person_id is not None else ""
        by_line.append((p.line, (r.row_id, nik, r.status, f"{r.probability:.4f}", r.reason)))
    for line, row_id in file.rejected:
        by_line.append((line, (row_id, "", "not_found", "0.0000", f"ditolak_baris_{line}")))
    by_line.sort(key=lambda t: t[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(RESOLVED_HEADER)
        w.writerows(row for _, row in by_line)
