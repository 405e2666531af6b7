"""Name lists and spelling rules for the synthetic population (see ``bansos.registry.synth``).

Faker's ``id_ID`` lists give generic modern names; the regional patterns below add what Faker
lacks, so that name matching is tested against the names real registries are full of.
"""

from __future__ import annotations

from faker.providers.person.id_ID import Provider as _IdProvider

#: Batak clan names (marga). Children take the father's; spouses come from another clan.
BATAK_CLANS: tuple[str, ...] = (
    "Siregar", "Nasution", "Simanjuntak", "Lubis", "Harahap", "Sitorus", "Sinaga", "Situmorang",
    "Simbolon", "Sihombing", "Hutagalung", "Hutapea", "Pardede", "Panjaitan", "Pane", "Tambunan",
    "Manurung", "Silalahi", "Sitompul", "Tampubolon", "Napitupulu", "Nainggolan", "Marpaung",
    "Damanik", "Purba", "Saragih", "Ginting", "Sembiring", "Tarigan", "Sinulingga", "Hasibuan",
    "Pohan", "Rangkuti", "Daulay", "Batubara", "Pasaribu", "Samosir", "Sirait", "Manullang",
    "Gultom", "Butarbutar", "Sianturi", "Silaban", "Hutabarat", "Aritonang", "Matondang",
    "Dongoran", "Dabukke", "Hutasoit", "Mangunsong", "Marbun", "Nababan", "Sihotang", "Tamba",
    "Tarihoran",
)  # fmt: skip

BATAK_MALE: tuple[str, ...] = (
    "Parlindungan", "Maruli", "Togar", "Poltak", "Hotman", "Sahat", "Binsar", "Tigor", "Jhonson",
    "Ronald", "Mangasi", "Parulian", "Bonar", "Gomgom", "Torang", "Marihot", "Halomoan",
    "Saut", "Tumpal", "Jansen", "Darwin", "Rudolf", "Hasudungan", "Pangihutan", "Amir",
    "Ahmad", "Syahrial", "Ridwan", "Irwansyah", "Zulkifli", "Baharuddin",
)  # fmt: skip

BATAK_FEMALE: tuple[str, ...] = (
    "Rosmawati", "Tiurma", "Lasma", "Hotmaida", "Rosdiana", "Dameria", "Masniari", "Hotnida",
    "Rotua", "Tiominar", "Rosmeri", "Lamria", "Nurhayati", "Rismawati", "Saripah", "Sondang",
    "Mangiring", "Martha", "Nurmala", "Erlina", "Juliana", "Ernawati", "Rosliana",
)  # fmt: skip

#: Balinese birth-order names, by order (the fifth child starts again at the first).
BALI_ORDER_MALE: tuple[tuple[str, ...], ...] = (
    ("Wayan", "Putu", "Gede"),
    ("Made", "Kadek", "Nengah"),
    ("Nyoman", "Komang"),
    ("Ketut",),
)
BALI_ORDER_FEMALE: tuple[tuple[str, ...], ...] = (
    ("Wayan", "Putu", "Luh"),
    ("Made", "Kadek", "Nengah"),
    ("Nyoman", "Komang"),
    ("Ketut",),
)
BALI_MALE: tuple[str, ...] = (
    "Sudarma", "Suparta", "Ariasa", "Wirawan", "Artawan", "Sukadana", "Suarjana", "Mertayasa",
    "Sudiarta", "Budiarta", "Sutama", "Suardana", "Widiana", "Darmawan", "Sukarta", "Arsana",
    "Suwirya", "Adnyana", "Astawa", "Mudana", "Sumerta", "Parwata", "Gunawan", "Wirata",
    "Agus", "Eka", "Dwi", "Adi", "Bagus", "Yoga", "Surya", "Arya",
)  # fmt: skip
BALI_FEMALE: tuple[str, ...] = (
    "Sriani", "Suartini", "Sukerti", "Wartini", "Ariani", "Puspitasari", "Wulandari", "Sumiarsih",
    "Sri Astuti", "Ayu Lestari", "Sariasih", "Suwitri", "Kartini", "Murniati", "Yuliani",
    "Dewi", "Ayu", "Sri", "Eka", "Indah", "Rai", "Mirah", "Budiasih", "Sukarmi",
)  # fmt: skip

#: Javanese single names, common among people born before the 1980s.
JAVA_MALE: tuple[str, ...] = (
    "Sutrisno", "Suparman", "Sukiman", "Wagiman", "Slamet", "Paijo", "Parmin", "Sumarno",
    "Sugiyono", "Suyanto", "Karno", "Tukimin", "Ngadimin", "Rusdi", "Sarijo", "Kasman",
    "Suwarno", "Supardi", "Marsono", "Tarmuji", "Jumadi", "Suroto", "Sukijan", "Darmaji",
    "Mulyono", "Sunarto", "Sugeng", "Kusnadi", "Joko", "Bambang", "Sutarjo", "Cipto",
    "Warsito", "Suradi", "Kasiman", "Wiryo", "Jarwo", "Tugiman", "Harjono", "Sumadi",
)  # fmt: skip
JAVA_FEMALE: tuple[str, ...] = (
    "Sumiati", "Sarinah", "Painem", "Tukiyem", "Ngatini", "Suminah", "Sulastri", "Sumini",
    "Wagiyem", "Parinem", "Suwarni", "Jumiati", "Karsini", "Tumini", "Poniyem", "Mujiyati",
    "Sukarni", "Suparmi", "Ngatiyem", "Rukmini", "Sriyati", "Warsini", "Katini", "Sutini",
    "Marsinah", "Juminten", "Sainem", "Cicih", "Sumarsih", "Yatmi", "Darsih", "Ginem",
)  # fmt: skip

#: Sundanese names (West Java, Banten).
SUNDA_MALE: tuple[str, ...] = (
    "Asep", "Ujang", "Cecep", "Dede", "Engkus", "Oman", "Yayan", "Ade", "Iwan", "Dadang",
    "Ruhiyat", "Odang", "Endang", "Jajang", "Ohim", "Usep", "Dadan", "Aep", "Maman", "Ading",
)  # fmt: skip
SUNDA_FEMALE: tuple[str, ...] = (
    "Euis", "Iis", "Entin", "Cucu", "Imas", "Eneng", "Lilis", "Nining", "Tati", "Neneng",
    "Onah", "Aisah", "Enok", "Iyah", "Yayah", "Popon", "Euis Komariah", "Kokom", "Oneng",
)  # fmt: skip

STREETS: tuple[str, ...] = (
    "Merdeka", "Sudirman", "Diponegoro", "Kartini", "Pahlawan", "Mawar", "Melati", "Masjid",
    "Pasar", "Gajah Mada", "Ahmad Yani", "Imam Bonjol", "Veteran", "Kenanga", "Anggrek",
    "Cempaka", "Flamboyan", "Pemuda", "Pendidikan", "Raya", "Poros Desa", "Kebon", "Sawah",
    "Gotong Royong", "Hasanuddin", "Teuku Umar", "Cut Nyak Dien", "Sisingamangaraja",
    "Pattimura", "Sam Ratulangi", "Dewi Sartika", "Kihajar Dewantara", "Lintas", "Bakti",
)  # fmt: skip

#: Old (pre-1972) spelling and its modern form. Civil records keep whichever the person was
#: registered with, proposal lists often use the other.
OLD_TO_MODERN: tuple[tuple[str, str], ...] = (("dj", "j"), ("tj", "c"), ("oe", "u"), ("ch", "kh"))

#: How village lists and old program lists write "Muhammad".
MUHAMMAD_FORMS: tuple[str, ...] = (
    "Muhammad",
    "Muhamad",
    "Mohammad",
    "Mohamad",
    "Moh.",
    "Mhd.",
    "M.",
)

PREFIX_VARIANTS: dict[str, tuple[str, ...]] = {
    "Siti": ("Sitti", "St."),
    "Sitti": ("Siti",),
    "Nur": ("Noer", "Nurul"),
    "Noer": ("Nur",),
}

TITLES_MALE_BEFORE: tuple[str, ...] = ("H.", "Drs.", "Ir.", "Bpk.", "Haji")
TITLES_FEMALE_BEFORE: tuple[str, ...] = ("Hj.", "Dra.", "Ibu", "Hajjah")
TITLES_AFTER: tuple[str, ...] = ("S.Pd", "S.E.", "S.H.", "S.Ag", "A.Md", "S.Sos", "S.Pd.I")

KEYBOARD_NEIGHBOURS: dict[str, str] = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "r": "et", "s": "ad", "t": "ry", "u": "yi", "w": "qe", "y": "tu", "z": "x",
}  # fmt: skip


def _dedupe(*lists: tuple[str, ...]) -> tuple[str, ...]:
    """Faker's lists repeat some names; duplicates would skew the draw, so keep first copies."""
    seen: dict[str, None] = {}
    for names in lists:
        for n in names:
            seen.setdefault(n, None)
    return tuple(seen)


_CLANS = frozenset(BATAK_CLANS)
#: Drop western names that are rare in the poor rural population the registry covers.
_RARE = frozenset(
    ("Ciaobella", "Queen", "Paris", "Chelsea", "Sakura", "Zelaya", "Aurora", "Violet", "Victoria")
)

GENERIC_MALE: tuple[str, ...] = _dedupe(
    tuple(n for n in _IdProvider.first_names_male if n not in _RARE)
)
GENERIC_FEMALE: tuple[str, ...] = _dedupe(
    tuple(n for n in _IdProvider.first_names_female if n not in _RARE)
)
#: Faker mixes Batak clans into its last names; they belong to the Batak pattern only.
GENERIC_LAST_MALE: tuple[str, ...] = _dedupe(
    tuple(n for n in _IdProvider.last_names_male if n not in _CLANS)
)
GENERIC_LAST_FEMALE: tuple[str, ...] = _dedupe(tuple(_IdProvider.last_names_female))
