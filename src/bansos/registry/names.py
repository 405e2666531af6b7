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
    "Sukarno", "Suparno", "Sukarna", "Darmo", "Sudharmo", "Thoyib", "Gathot", "Widodo",
    "Sastro", "Paimin", "Tarno", "Wardoyo",
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
    "Arif", "Arip", "Yusuf", "Yusup", "Taufik", "Opik", "Sopyan", "Saepul", "Apip", "Pahmi",
)  # fmt: skip
SUNDA_FEMALE: tuple[str, ...] = (
    "Euis", "Iis", "Entin", "Cucu", "Imas", "Eneng", "Lilis", "Nining", "Tati", "Neneng",
    "Onah", "Aisah", "Enok", "Iyah", "Yayah", "Popon", "Euis Komariah", "Kokom", "Oneng",
    "Fitri", "Pitri", "Novi", "Nopi", "Evi", "Epi", "Ipah", "Apipah", "Sopiah",
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

#: Javanese sound and spelling habits: a final ``a`` read (and often written) ``o``
#: (Sukarna/Sukarno), aspirated ``dh``/``th`` (Dharma/Darma, Thoyib/Toyib), and the pre-1947
#: Dutch ``j`` for ``y`` (Jusuf/Yusuf). Doubled consonants (Hasan/Hassan) are written either way
#: everywhere.
VOWELS = frozenset("aeiou")
DOUBLING_CONSONANTS = frozenset("bdklmnprst")

#: Fathers' names for patronymics added to one-name people ("Paijo bin Karto",
#: "Sukarni binti Wiryo"), by naming pattern.
JAVA_ELDERS: tuple[str, ...] = (
    "Karto", "Wiryo", "Sastro", "Harjo", "Atmo", "Kromo", "Marto", "Setro", "Dipo", "Reso",
    "Somo", "Pawiro", "Dikromo", "Karyo", "Wongso", "Citro", "Mangun", "Noto", "Paiman", "Kasan",
    "Sarmo", "Rejo", "Sonto", "Tomo",
)  # fmt: skip
MUSLIM_FATHERS: tuple[str, ...] = (
    "Abdullah", "Ahmad", "Hasan", "Usman", "Ismail", "Ibrahim", "Yusuf", "Sulaiman", "Umar",
    "Ali", "Muhammad", "Idris", "Ishak", "Syamsuddin", "Abdul Karim", "Hamid", "Daud", "Zakaria",
)  # fmt: skip
#: Forms of address that village lists put before the name of an older one-name person.
HONORIFICS_MALE: tuple[str, ...] = ("Pak", "Bapak")
HONORIFICS_FEMALE: tuple[str, ...] = ("Bu", "Ibu")
JAVA_HONORIFICS_MALE: tuple[str, ...] = ("Mbah", "Pak", "Mbah", "Bpk.")
JAVA_HONORIFICS_FEMALE: tuple[str, ...] = ("Mbah", "Mbok", "Bu", "Mbah")

#: Twins' names: partners of the same sex (Hasan/Husen, Rina/Rini) ...
TWIN_SAME: dict[str, tuple[str, ...]] = {
    "Hasan": ("Husen", "Husein", "Husain"), "Husen": ("Hasan",), "Husein": ("Hasan",),
    "Husain": ("Hasan",), "Rina": ("Rini",), "Rini": ("Rina",), "Ana": ("Ani",), "Ani": ("Ana",),
    "Tina": ("Tini",), "Tini": ("Tina",), "Indah": ("Intan",), "Intan": ("Indah",),
    "Dian": ("Diah",), "Diah": ("Dian",), "Lestari": ("Lestiani", "Lestiana"),
    "Agus": ("Agung",), "Agung": ("Agus",), "Andi": ("Andri",), "Andri": ("Andi",),
    "Rizal": ("Rizki",), "Rizki": ("Rizal",), "Fajar": ("Fikri",), "Budi": ("Bayu",),
    "Bayu": ("Budi",), "Yuni": ("Yuli",), "Yuli": ("Yuni",), "Fitri": ("Fitria",),
    "Fitria": ("Fitri",), "Wulan": ("Wulandari",), "Eka": ("Dwi",),
    "Slamet": ("Selamet",), "Paijo": ("Paimin",), "Paimin": ("Paijo",), "Sumini": ("Sumiati",),
    "Sumiati": ("Sumini",), "Wagiman": ("Wagimin",), "Tukiman": ("Tukimin",),
    "Tukimin": ("Tukiman",), "Sukiman": ("Sukimin",),
}  # fmt: skip
#: ... and of the other sex (Putra/Putri, Paijo/Painem).
TWIN_CROSS: dict[str, str] = {
    "Putra": "Putri", "Putri": "Putra", "Dewa": "Dewi", "Dewi": "Dewa", "Wahyu": "Wahyuni",
    "Wahyuni": "Wahyu", "Hasan": "Hasanah", "Hasanah": "Hasan", "Paijo": "Painem",
    "Painem": "Paijo", "Tukimin": "Tukiyem", "Tukiyem": "Tukimin", "Wagiman": "Wagiyem",
    "Wagiyem": "Wagiman", "Suparman": "Suparmi", "Suparmi": "Suparman", "Parmin": "Parinem",
    "Parinem": "Parmin", "Rian": "Riana", "Dian": "Diana", "Yuli": "Yulianto",
}  # fmt: skip

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
