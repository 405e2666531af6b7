"""Bilingual messages for every machine-readable problem code.

Bahasa Indonesia comes first (the users' language), English second. A code is stable
(clients branch on it); the wording may improve. Parameters use ``str.format`` names.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["id", "en"]

# code -> (Bahasa Indonesia, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # NIK (Nomor Induk Kependudukan)
    "nik.empty": ("NIK kosong.", "NIK is empty."),
    "nik.not_digits": ("NIK hanya boleh berisi angka.", "NIK must contain digits only."),
    "nik.length": ("NIK harus 16 digit.", "NIK must be 16 digits."),
    "nik.region_unknown": (
        "Kode wilayah NIK ({region}) tidak dikenal.",
        "NIK region code ({region}) is unknown.",
    ),
    "nik.birth_date_invalid": (
        "Tanggal lahir dalam NIK bukan tanggal yang sah.",
        "The birth date encoded in the NIK is not a real date.",
    ),
    "nik.serial_zero": (
        "Nomor urut NIK tidak boleh 0000.",
        "The NIK serial number must not be 0000.",
    ),
    # KK (Kartu Keluarga)
    "kk.empty": ("Nomor KK kosong.", "Family card (KK) number is empty."),
    "kk.not_digits": (
        "Nomor KK hanya boleh berisi angka.",
        "Family card (KK) number must contain digits only.",
    ),
    "kk.length": ("Nomor KK harus 16 digit.", "Family card (KK) number must be 16 digits."),
    "kk.region_unknown": (
        "Kode wilayah nomor KK ({region}) tidak dikenal.",
        "Family card (KK) region code ({region}) is unknown.",
    ),
    "kk.serial_zero": (
        "Nomor urut KK tidak boleh 0000.",
        "The family card (KK) serial number must not be 0000.",
    ),
    "nik.duplicate_in_file": (
        "NIK yang sama sudah ada di baris sebelumnya dalam berkas ini.",
        "The same NIK already appears on an earlier row of this file.",
    ),
    "kk.duplicate_in_file": (
        "Nomor KK yang sama sudah ada di baris sebelumnya dalam berkas ini.",
        "The same KK number already appears on an earlier row of this file.",
    ),
    "kk.not_in_civil_registry": (
        "Nomor KK tidak terdaftar di data kependudukan; impor data Dukcapil terlebih dahulu.",
        "The KK number is not in the civil registry; import the civil registry first.",
    ),
    # Whole files
    "file.not_found": ("Berkas tidak ditemukan: {path}.", "File not found: {path}."),
    "file.empty": ("Berkas kosong.", "The file is empty."),
    "file.no_rows": (
        "Berkas hanya berisi judul kolom, tanpa baris data.",
        "The file has a header but no data rows.",
    ),
    "file.binary": (
        "Berkas ini bukan CSV (isinya biner, mungkin Excel). "
        "Simpan sebagai CSV UTF-8 atau Parquet.",
        "This is not a CSV file (binary content, perhaps Excel). Save it as UTF-8 CSV or Parquet.",
    ),
    "file.encoding_unsupported": (
        "Pengodean {encoding} tidak didukung. Simpan sebagai CSV UTF-8.",
        "The {encoding} encoding is not supported. Save the file as UTF-8 CSV.",
    ),
    "file.missing_columns": (
        "Kolom wajib tidak ada: {columns}.",
        "Required columns are missing: {columns}.",
    ),
    "file.duplicate_column": (
        "Kolom {column} muncul lebih dari sekali.",
        "Column {column} appears more than once.",
    ),
    "file.header_unreadable": (
        "Baris judul kolom tidak dapat dibaca.",
        "The header row cannot be read.",
    ),
    "file.parquet_unreadable": (
        "Berkas Parquet rusak atau tidak dapat dibaca.",
        "The Parquet file is damaged or unreadable.",
    ),
    "file.nothing_imported": (
        "Tidak ada baris yang dapat diimpor; lihat berkas penolakan.",
        "No row could be imported; see the rejects file.",
    ),
    # Rows
    "row.field_too_large": (
        "Isi kolom terlalu panjang (lebih dari 10.000 karakter).",
        "A field is too long (over 10,000 characters).",
    ),
    "row.csv": ("Baris CSV rusak.", "Malformed CSV row."),
    "row.column_count": (
        "Jumlah kolom {got}, seharusnya {expected}.",
        "The row has {got} columns, expected {expected}.",
    ),
    # Field values
    "value.required": ("Wajib diisi.", "Required."),
    "value.formula": (
        "Nilai diawali karakter rumus spreadsheet (=, +, -, @); ditolak demi keamanan.",
        "The value starts like a spreadsheet formula (=, +, -, @); rejected for safety.",
    ),
    "value.too_long": (
        "Terlalu panjang (maksimal {max} karakter).",
        "Too long (at most {max} characters).",
    ),
    "value.sex": (
        "Jenis kelamin harus L/P (atau M/F, LAKI-LAKI/PEREMPUAN).",
        "Sex must be M/F (or L/P, LAKI-LAKI/PEREMPUAN).",
    ),
    "value.relationship": (
        "Hubungan keluarga tidak dikenal (head/spouse/child/parent/other "
        "atau KEPALA KELUARGA, ISTRI, ANAK, ...).",
        "Unknown family relationship (head/spouse/child/parent/other "
        "or KEPALA KELUARGA, ISTRI, ANAK, ...).",
    ),
    "value.date_format": (
        "Format tanggal harus TTTT-BB-HH (atau HH-BB-TTTT).",
        "Dates must be YYYY-MM-DD (or DD-MM-YYYY).",
    ),
    "value.date_impossible": ("Tanggal tidak ada di kalender.", "Not a real calendar date."),
    "value.date_future": (
        "Tanggal tidak boleh di masa depan.",
        "The date must not be in the future.",
    ),
    "value.date_too_old": ("Tanggal sebelum tahun 1880.", "The date is before 1880."),
    "value.death_before_birth": (
        "Tanggal kematian sebelum tanggal lahir.",
        "The date of death is before the date of birth.",
    ),
    "value.region_format": (
        "Kode wilayah harus 6 digit kode kecamatan.",
        "The region code must be a 6-digit district code.",
    ),
    "value.region_unknown": (
        "Kode kecamatan {region} tidak dikenal.",
        "District code {region} is unknown.",
    ),
    "value.decile": (
        "Desil kesejahteraan harus 1 sampai 10.",
        "The welfare decile must be 1 to 10.",
    ),
    "value.not_integer": ("Harus bilangan bulat.", "Must be a whole number."),
    "value.not_boolean": ("Harus ya/tidak (true/false).", "Must be yes/no (true/false)."),
    # Data quality (imported, flagged)
    "quality.nik_birth_date": (
        "Tanggal lahir berbeda dengan yang tertera di NIK; data diimpor dan ditandai.",
        "The birth date differs from the one encoded in the NIK; imported and flagged.",
    ),
    "quality.nik_sex": (
        "Jenis kelamin berbeda dengan yang tertera di NIK; data diimpor dan ditandai.",
        "The sex differs from the one encoded in the NIK; imported and flagged.",
    ),
    "quality.encoding_fallback": (
        "{lines} baris bukan UTF-8 dan dibaca sebagai Windows-1252; periksa huruf beraksen.",
        "{lines} lines were not UTF-8 and were read as Windows-1252; check accented letters.",
    ),
    # Staff access
    "auth.required": ("Silakan masuk terlebih dahulu.", "Please log in first."),
    "auth.invalid": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "auth.locked": (
        "Akun dikunci sementara karena terlalu banyak percobaan gagal. Coba lagi nanti.",
        "The account is temporarily locked after too many failed attempts. Try again later.",
    ),
    "auth.forbidden": (
        "Peran Anda tidak berwenang untuk tindakan ini.",
        "Your role is not allowed to do this.",
    ),
    "user.exists": ("Nama pengguna {username} sudah dipakai.", "Username {username} is taken."),
    "user.role": ("Peran tidak dikenal: {role}.", "Unknown role: {role}."),
    "user.password_weak": (
        "Kata sandi minimal 12 karakter.",
        "The password must have at least 12 characters.",
    ),
    "registry.not_found": (
        "Tidak ada penduduk dengan NIK tersebut.",
        "No person with that NIK.",
    ),
    "http.not_found": ("Alamat tidak ditemukan.", "Not found."),
    "http.method_not_allowed": ("Metode tidak diizinkan.", "Method not allowed."),
    "http.error": ("Permintaan gagal (HTTP {status}).", "The request failed (HTTP {status})."),
    # Programs
    "program.invalid": (
        "Definisi program tidak sah ({count} kesalahan).",
        "The program definition is invalid ({count} errors).",
    ),
    "program.field_missing": ("Kolom wajib tidak ada.", "A required field is missing."),
    "program.field_unknown": ("Kolom tidak dikenal.", "Unknown field."),
    "program.field_invalid": ("Nilai tidak sah.", "Invalid value."),
    "program.field_choice": ("Nilai bukan salah satu pilihan.", "Not one of the choices."),
    "program.code_format": (
        "Kode program: huruf besar, angka, garis bawah (2-32).",
        "Program code: capitals, digits, underscore (2-32).",
    ),
    "program.area_format": (
        "Wilayah program: kode provinsi (2 angka), kabupaten/kota (4) atau kecamatan (6).",
        "Program area: a province (2 digits), regency (4) or district (6) code.",
    ),
    "program.amount_integer": (
        "Nominal harus bilangan bulat rupiah (tanpa sen).",
        "Amounts must be whole rupiah (no decimals).",
    ),
    "program.amount_positive": ("Nominal harus lebih dari nol.", "Amounts must be above zero."),
    "program.amount_too_large": ("Nominal terlalu besar.", "The amount is too large."),
    "program.rule_unknown_attribute": (
        "Aturan di {field} memakai atribut yang tidak dikenal: {attribute}.",
        "The rule in {field} names an unknown attribute: {attribute}.",
    ),
    "program.rule_syntax": (
        "Aturan di {field} tidak dapat dibaca: {detail}.",
        "The rule in {field} cannot be parsed: {detail}.",
    ),
    "program.rule_type": (
        "Aturan di {field} membandingkan jenis data yang berbeda: {detail}.",
        "The rule in {field} mixes data types: {detail}.",
    ),
    "program.component_per": (
        "Komponen {field} harus menghitung anggota keluarga; {attribute} bukan hitungan anggota.",
        "Component {field} must count members; {attribute} is not a member count.",
    ),
    "program.excludes_unknown": (
        "Program yang dikecualikan belum ada: {codes}.",
        "Excluded programs do not exist yet: {codes}.",
    ),
    "program.exclusion_cycle": (
        "Pengecualian antarprogram membentuk lingkaran: {cycle}.",
        "Program exclusions form a cycle: {cycle}.",
    ),
    "program.not_found": ("Program {program} tidak ditemukan.", "Program {program} not found."),
    "program.file_unreadable": (
        "Berkas program tidak dapat dibaca: {path}.",
        "The program file cannot be read: {path}.",
    ),
    "program.file_format": (
        "Berkas program harus .toml atau .yaml: {path}.",
        "A program file must be .toml or .yaml: {path}.",
    ),
    "program.file_syntax": (
        "Isi berkas program rusak: {detail}.",
        "The program file is malformed: {detail}.",
    ),
    # Targeting
    "targeting.period_format": (
        "Periode harus TTTT-BB, mis. 2026-12 (bukan {period}).",
        "The period must be YYYY-MM, e.g. 2026-12 (not {period}).",
    ),
    "targeting.list_not_found": ("Daftar {list_id} tidak ditemukan.", "List {list_id} not found."),
    "targeting.wrong_status": (
        "Daftar berstatus {status}; tindakan ini hanya untuk status {expected}.",
        "The list is {status}; this needs a {expected} list.",
    ),
    "targeting.own_submission": (
        "Tidak boleh menyetujui atau menolak daftar yang Anda ajukan sendiri.",
        "You may not approve or reject a list you submitted yourself.",
    ),
    "targeting.no_approved_list": (
        "Belum ada daftar {program} periode {period} yang disetujui.",
        "There is no approved {program} list for {period}.",
    ),
    "targeting.reason_required": ("Alasan wajib diisi.", "A reason is required."),
    "targeting.changed_after_submission": (
        "Isi daftar berubah sejak diajukan; ajukan ulang.",
        "The list changed after it was submitted; submit it again.",
    ),
    "targeting.over_budget": (
        "Total manfaat Rp{total} melebihi pagu anggaran Rp{cap}.",
        "The total benefit Rp{total} exceeds the budget cap Rp{cap}.",
    ),
    "targeting.unknown_user": (
        "Pengguna {username} tidak ada atau tidak aktif.",
        "User {username} does not exist or is inactive.",
    ),
    "targeting.verdict_unknown": (
        "Hasil verifikasi tidak dikenal: {verdict} (verified, moved, deceased, not_found, "
        "wrong_data).",
        "Unknown verdict: {verdict} (verified, moved, deceased, not_found, wrong_data).",
    ),
    "targeting.not_on_list": (
        "Keluarga ini tidak ada dalam daftar.",
        "This household is not on the list.",
    ),
    # QRIS (merchant-presented QR)
    "qris.empty": ("Kode QRIS kosong.", "The QRIS code is empty."),
    "qris.too_long": (
        "Kode QRIS terlalu panjang: {length} karakter, paling banyak {limit}.",
        "The QRIS code is too long: {length} characters, at most {limit}.",
    ),
    "qris.charset": (
        "Kode QRIS memuat karakter yang tidak diizinkan di posisi {offset}; hanya huruf, angka, "
        "spasi dan tanda baca ASCII yang boleh.",
        "The QRIS code holds a character that is not allowed at position {offset}; only ASCII "
        "letters, digits, spaces and punctuation are.",
    ),
    "qris.tlv": (
        "Struktur kode QRIS rusak di posisi {offset}: ID atau panjang kolom bukan dua digit, "
        "atau isinya melewati akhir kode. Kode mungkin terpotong atau salah pindai.",
        "The QRIS code's structure is broken at position {offset}: a field ID or length is not "
        "two digits, or its value runs past the end. The code may be cut short or misread.",
    ),
    "qris.duplicate_tag": (
        "Kolom {tag} muncul lebih dari sekali dalam kode QRIS.",
        "Field {tag} appears more than once in the QRIS code.",
    ),
    "qris.missing_tag": (
        "Kolom wajib {tag} tidak ada dalam kode QRIS.",
        "Required field {tag} is missing from the QRIS code.",
    ),
    "qris.format_indicator": (
        "Kode QRIS harus diawali penanda format 000201.",
        "A QRIS code must start with the payload format indicator 000201.",
    ),
    "qris.crc_position": (
        "Kolom checksum (63) harus menjadi kolom terakhir kode QRIS dan panjangnya 4 karakter.",
        "The checksum field (63) must be the last field of the QRIS code, 4 characters long.",
    ),
    "qris.crc": (
        "Checksum kode QRIS salah (seharusnya {expected}, tertulis {found}); kode mungkin salah "
        "pindai atau telah diubah.",
        "The QRIS checksum is wrong (expected {expected}, found {found}); the code may be "
        "misread or altered.",
    ),
    "qris.point_of_initiation": (
        "Jenis kode QRIS harus 11 (statis) atau 12 (dinamis), bukan {value}.",
        "The QRIS point of initiation must be 11 (static) or 12 (dynamic), not {value}.",
    ),
    "qris.merchant_account": (
        "Kode QRIS tidak memuat informasi akun merchant (kolom 26 sampai 51).",
        "The QRIS code carries no merchant account information (fields 26 to 51).",
    ),
    "qris.merchant_pan": (
        "PAN merchant di kolom {tag} harus berupa 1 sampai 19 digit, bukan {value}.",
        "The merchant PAN in field {tag} must be 1 to 19 digits, not {value}.",
    ),
    "qris.merchant_criteria": (
        "Kriteria merchant di kolom {tag} harus UMI, UKE, UME atau UBE, bukan {value}.",
        "The merchant criteria in field {tag} must be UMI, UKE, UME or UBE, not {value}.",
    ),
    "qris.nmid": (
        "NMID QRIS harus berupa ID diikuti 13 digit, bukan {value}.",
        "A QRIS NMID must be ID followed by 13 digits, not {value}.",
    ),
    "qris.mcc": (
        "Kode kategori merchant (MCC) harus 4 digit, bukan {value}.",
        "The merchant category code (MCC) must be 4 digits, not {value}.",
    ),
    "qris.currency": (
        "Mata uang kode QRIS harus 360 (rupiah), bukan {value}.",
        "The QRIS currency must be 360 (rupiah), not {value}.",
    ),
    "qris.amount": (
        "Nominal di kolom {tag} harus rupiah utuh lebih dari nol, misalnya 25000 atau "
        "25000.00, bukan {value}.",
        "The amount in field {tag} must be whole rupiah above zero, such as 25000 or 25000.00, "
        "not {value}.",
    ),
    "qris.tip": (
        "Isi kolom tip atau biaya layanan {tag} tidak sah: {value}.",
        "The tip or convenience fee field {tag} is not valid: {value}.",
    ),
    "qris.country": (
        "Kode negara kode QRIS harus ID, bukan {value}.",
        "The QRIS country code must be ID, not {value}.",
    ),
    "qris.field_length": (
        "Kolom {tag} harus berisi 1 sampai {limit} karakter, sekarang {length}.",
        "Field {tag} must hold 1 to {limit} characters; it has {length}.",
    ),
    # Claim codes
    "claim_code.empty": (
        "Kode klaim belum diisi. Ketik kode dari SMS Anda.",
        "The claim code is empty. Type the code from your SMS.",
    ),
    "claim_code.length": (
        "Kode klaim terdiri dari {expected} huruf dan angka, tetapi Anda mengetik {found}. "
        "Periksa lagi kodenya di SMS Anda.",
        "A claim code has {expected} letters and digits, but {found} were typed. "
        "Check the code in your SMS again.",
    ),
    "claim_code.charset": (
        'Kode klaim tidak memakai "{character}". Periksa lagi kodenya di SMS Anda.',
        'A claim code never contains "{character}". Check the code in your SMS again.',
    ),
    "claim_code.check": (
        "Kode klaim salah ketik. Periksa lagi kodenya di SMS Anda.",
        "The claim code has a typing mistake. Check the code in your SMS again.",
    ),
    # Cycles
    "cycle.not_found": ("Siklus {cycle_id} tidak ditemukan.", "Cycle {cycle_id} not found."),
    "cycle.exists": (
        "Siklus untuk program, periode dan daftar ini sudah ada ({cycle_id}).",
        "A cycle for this program, period and list already exists ({cycle_id}).",
    ),
    "job.failed": (
        "Pekerjaan latar berhenti karena galat tak terduga ({error}); yang sudah selesai tetap "
        "tersimpan. Jalankan lagi; bila terulang, hubungi admin dengan waktu kejadiannya.",
        "The background job stopped on an unexpected error ({error}); what it finished is kept. "
        "Run it again; if it recurs, tell the administrator when it happened.",
    ),
    "cycle.wrong_status": (
        "Siklus berstatus {status}; tindakan ini perlu status {expected}.",
        "The cycle is {status}; this needs {expected}.",
    ),
    "cycle.not_expired": (
        "Dana siklus ini belum kedaluwarsa (mulai {due}).",
        "This cycle's money has not expired yet (from {due}).",
    ),
    "cycle.over_budget": (
        "Total siklus Rp{total} melebihi sisa pagu (pagu Rp{cap}); tidak ada dana dipindahkan.",
        "The cycle's total Rp{total} exceeds what is left of the budget (cap Rp{cap}); "
        "nothing was moved.",
    ),
    # QR credentials (kartu QR penerima)
    "qr.empty": ("Kode QR kosong.", "The QR code is empty."),
    "qr.too_long": (
        "Kode QR terlalu panjang ({length} karakter, paling banyak {limit}).",
        "The QR code is too long ({length} characters, at most {limit}).",
    ),
    "qr.prefix": (
        "Ini bukan kartu bansos (harus diawali {expected}).",
        "This is not a bansos card (it must start with {expected}).",
    ),
    "qr.base45": (
        "Kode QR rusak atau terpotong (bukan base45 yang sah).",
        "The QR code is damaged or cut off (not valid base45).",
    ),
    "qr.structure": (
        "Isi kode QR rusak (bukan pesan bertanda tangan yang sah).",
        "The QR content is damaged (not a valid signed message).",
    ),
    "qr.algorithm": (
        "Kode QR memakai algoritma tanda tangan yang tidak diterima.",
        "The QR code uses a signature algorithm that is not accepted.",
    ),
    "qr.unknown_key": (
        "Kode QR ditandatangani kunci yang tidak dikenal ({kid}); kartu ini bukan terbitan kami.",
        "The QR code is signed by an unknown key ({kid}); this card was not issued by us.",
    ),
    "qr.retired_key": (
        "Kunci penanda tangan kartu ini ({kid}) sudah ditarik; minta kartu baru.",
        "The key that signed this card ({kid}) has been withdrawn; ask for a new card.",
    ),
    "qr.signature": (
        "Tanda tangan kode QR tidak sah: kartu ini dipalsukan atau diubah.",
        "The QR signature is invalid: this card is forged or altered.",
    ),
    "qr.claims": ("Isi kartu tidak lengkap atau salah.", "The card's content is incomplete."),
    "qr.issuer": (
        "Kartu ini diterbitkan pihak lain ({issuer}).",
        "This card was issued by someone else ({issuer}).",
    ),
    "qr.not_yet_valid": ("Kartu ini belum berlaku.", "This card is not valid yet."),
    "qr.expired": (
        "Kartu ini sudah habis masa berlakunya; minta kartu baru.",
        "This card has expired; ask for a new card.",
    ),
    "qr.revoked": (
        "Kartu ini sudah diblokir (hilang atau diganti). Gunakan kartu terbaru.",
        "This card is blocked (lost or replaced). Use the latest card.",
    ),
    "qr.unknown_credential": (
        "Kartu ini tidak terdaftar.",
        "This card is not registered.",
    ),
    "credential.household_not_found": (
        "Keluarga {household_id} tidak ditemukan.",
        "Household {household_id} was not found.",
    ),
    "credential.no_program": (
        "Keluarga {household_id} belum menerima program apa pun; kartu belum dapat dibuat.",
        "Household {household_id} receives no program yet; no card can be made.",
    ),
    "credential.not_found": (
        "Kartu {credential_id} tidak ditemukan.",
        "Card {credential_id} was not found.",
    ),
    "issuer_key.purpose": (
        "Kegunaan kunci tidak dikenal: {purpose}.",
        "Unknown key purpose: {purpose}.",
    ),
    "issuer_key.not_found": ("Kunci {kid} tidak ditemukan.", "Key {kid} was not found."),
    "issuer_key.none_active": (
        "Belum ada kunci aktif untuk {purpose}.",
        "There is no active key for {purpose}.",
    ),
    # PIN
    "pin.format": ("PIN harus {length} angka.", "The PIN must be {length} digits."),
    "pin.weak": (
        "PIN terlalu mudah ditebak (angka sama atau berurutan). Pilih PIN lain.",
        "The PIN is too easy to guess (repeated or sequential digits). Choose another.",
    ),
    "pin.block": (
        "PIN tidak terbaca oleh server. Ketik ulang PIN di mesin kasir.",
        "The server could not read the PIN. Type the PIN again on the till.",
    ),
    "pin.wrong": (
        "PIN salah. Sisa percobaan: {tries_left}.",
        "Wrong PIN. Tries left: {tries_left}.",
    ),
    "pin.locked": (
        "PIN terkunci karena salah 5 kali. Coba lagi setelah pukul {until}, atau hubungi "
        "pendamping.",
        "The PIN is locked after 5 wrong tries. Try again after {until}, or ask your field "
        "officer.",
    ),
    # Claim codes, as used
    "claim_code.unknown": (
        "Kode klaim tidak dikenal. Periksa lagi kode di SMS Anda.",
        "Unknown claim code. Check the code in your SMS again.",
    ),
    "claim_code.used": ("Kode klaim ini sudah dipakai.", "This claim code has been used."),
    "claim_code.expired": (
        "Kode klaim ini sudah kedaluwarsa. Minta kode baru.",
        "This claim code has expired. Ask for a new one.",
    ),
    # Redemption at a partner shop
    "redemption.key": (
        "Kunci idempoten wajib diisi (paling panjang 100 karakter).",
        "An idempotency key is required (at most 100 characters).",
    ),
    "redemption.key_reused": (
        "Kunci idempoten ini sudah dipakai untuk transaksi lain.",
        "This idempotency key was already used for a different transaction.",
    ),
    "redemption.program": (
        "Kartu atau kode ini tidak berlaku untuk program {program}.",
        "This card or code is not valid for program {program}.",
    ),
    "redemption.credential": (
        "Isi tepat salah satu: kode QR atau kode klaim.",
        "Give exactly one of: the QR code or the claim code.",
    ),
    "redemption.categories_missing": (
        "Pilih jenis barang yang dibeli.",
        "Choose the kinds of goods bought.",
    ),
    "redemption.category": (
        "Bantuan {program} tidak boleh dibelanjakan untuk {category}.",
        "{program} aid may not be spent on {category}.",
    ),
    "redemption.merchant_category": (
        "Toko ini tidak terdaftar untuk menjual barang tersebut dalam program {program}.",
        "This shop is not registered to sell these goods under program {program}.",
    ),
    "redemption.no_wallet": (
        "Penerima belum punya saldo program {program}.",
        "The recipient has no {program} wallet.",
    ),
    "redemption.insufficient": (
        "Saldo tidak cukup. Sisa saldo Rp{balance}.",
        "Not enough balance. The balance is Rp{balance}.",
    ),
    "redemption.qris_amount": (
        "Jumlah harus sama dengan yang tertera di QRIS (Rp{expected}).",
        "The amount must be the one in the QRIS (Rp{expected}).",
    ),
    "receipt.invalid": (
        "Struk ini tidak sah atau sudah diubah.",
        "This receipt is invalid or has been altered.",
    ),
    # Partner shops and their devices
    "merchant.field": (
        "Kolom {field} wajib diisi (paling panjang {limit} karakter).",
        "Field {field} is required (at most {limit} characters).",
    ),
    "merchant.kind": (
        "Jenis toko {kind} tidak dikenal; pilih salah satu: {allowed}.",
        "Unknown shop kind {kind}; choose one of: {allowed}.",
    ),
    "merchant.region": (
        "Kode kecamatan {region} tidak dikenal (harus kecamatan, 6 digit).",
        "District code {region} is unknown (it must be a district, 6 digits).",
    ),
    "merchant.bank_account": (
        "Bank dan nomor rekening (6-34 angka) wajib diisi.",
        "A bank and an account number (6-34 digits) are required.",
    ),
    "merchant.nmid": (
        "NMID QRIS {nmid} tidak sah (ID dan 13 angka).",
        "QRIS NMID {nmid} is invalid (ID and 13 digits).",
    ),
    "merchant.nmid_taken": (
        "NMID QRIS {nmid} sudah dipakai toko lain.",
        "QRIS NMID {nmid} is already used by another shop.",
    ),
    "merchant.no_program": (
        "Pilih minimal satu program yang dilayani toko.",
        "Choose at least one program the shop serves.",
    ),
    "merchant.category": (
        "Kategori {category} tidak ada dalam program {program}.",
        "Category {category} is not part of program {program}.",
    ),
    "merchant.not_found": ("Toko {merchant_id} tidak ditemukan.", "Shop {merchant_id} not found."),
    "merchant.qris_unknown": (
        "QRIS ini (NMID {nmid}) bukan milik toko mitra bansos.",
        "This QRIS (NMID {nmid}) does not belong to a bansos partner shop.",
    ),
    "merchant.wrong_status": (
        "Toko berstatus {status}; tindakan ini perlu status {expected}.",
        "The shop is {status}; this needs {expected}.",
    ),
    "merchant.own_onboarding": (
        "Toko yang Anda daftarkan sendiri harus disetujui petugas lain.",
        "A shop you onboarded must be approved by someone else.",
    ),
    "merchant.not_active": (
        "Toko berstatus {status} dan tidak dapat melayani transaksi.",
        "The shop is {status} and cannot take transactions.",
    ),
    "device.public_key": (
        "Kunci publik perangkat tidak sah (Ed25519, 32 byte, base64url).",
        "The device public key is invalid (Ed25519, 32 bytes, base64url).",
    ),
    "device.key_taken": (
        "Kunci publik ini sudah terdaftar untuk perangkat lain.",
        "This public key is already registered to another device.",
    ),
    "device.not_found": ("Perangkat {device_id} tidak ditemukan.", "Device {device_id} not found."),
    "device.signature_missing": (
        "Permintaan harus ditandatangani perangkat (X-Device-Id, X-Timestamp, X-Signature).",
        "The request must be signed by the device (X-Device-Id, X-Timestamp, X-Signature).",
    ),
    "device.unknown": (
        "Perangkat tidak terdaftar atau sudah dicabut.",
        "The device is not registered or has been revoked.",
    ),
    "device.other_merchant": (
        "Perangkat ini bukan milik toko Anda.",
        "This device does not belong to your shop.",
    ),
    "device.timestamp": (
        "Jam perangkat selisih lebih dari {limit} detik dari server; setel jam perangkat.",
        "The device clock is more than {limit} seconds off the server's; set the clock.",
    ),
    "device.signature": (
        "Tanda tangan perangkat tidak sah.",
        "The device signature is invalid.",
    ),
    "user.merchant": (
        "Pengguna toko harus terikat pada satu toko, dan hanya pengguna toko ({role}).",
        "A shop user must belong to one shop, and only shop users may ({role}).",
    ),
    # Offline redemption and its sync
    "offline.malformed": (
        "Catatan transaksi luring tidak lengkap atau rusak; disimpan sebagai bukti.",
        "The offline record is incomplete or damaged; kept as evidence.",
    ),
    "offline.seq_reused": (
        "Nomor urut ini sudah dipakai perangkat untuk transaksi lain; dicatat sebagai bukti.",
        "The device already used this sequence number for another record; kept as evidence.",
    ),
    "offline.signature": (
        "Tanda tangan perangkat pada catatan luring tidak sah.",
        "The device signature on the offline record is invalid.",
    ),
    "offline.time": (
        "Waktu pada catatan luring tidak masuk akal (di masa depan atau lebih dari 30 hari).",
        "The time on the offline record is implausible (in the future or over 30 days old).",
    ),
    "offline.limit_transaction": (
        "Transaksi luring melebihi batas per transaksi; harus daring.",
        "The offline transaction is over the per-transaction limit; it must go online.",
    ),
    "offline.limit_card": (
        "Kartu ini melebihi batas belanja luring per hari; harus daring.",
        "This card is over its offline daily limit; it must go online.",
    ),
    "offline.limit_device": (
        "Perangkat melebihi batas total transaksi luring sebelum sinkron; harus daring.",
        "The device is over its total offline limit before syncing; it must go online.",
    ),
    "offline.double_spend": (
        "Saldo sudah dipakai di toko lain saat luring; dibayar sebagian dan ditandai untuk "
        "petugas.",
        "The balance was spent at another shop while offline; paid in part and flagged for staff.",
    ),
    "offline.batch_too_large": (
        "Terlalu banyak catatan dalam satu kiriman (paling banyak {limit}).",
        "Too many records in one batch (at most {limit}).",
    ),
    "offline.not_flagged": (
        "Catatan luring {record_id} tidak ditandai.",
        "Offline record {record_id} is not flagged.",
    ),
    # Settlement
    "settlement.day_not_over": (
        "Hari {day} belum selesai (WIB); penyelesaian dijalankan untuk hari yang sudah lewat.",
        "Day {day} is not over yet (WIB); settlement runs for days that have ended.",
    ),
    "settlement.changed": (
        "Transaksi toko {merchant_id} berubah saat penyelesaian; jalankan lagi.",
        "Shop {merchant_id}'s redemptions changed during settlement; run it again.",
    ),
    # Ledger
    "ledger.amount_integer": (
        "Jumlah harus bilangan bulat rupiah.",
        "The amount must be a whole number of rupiah.",
    ),
    "ledger.amount_positive": ("Jumlah harus lebih dari nol.", "The amount must be above zero."),
    "ledger.amount_absurd": (
        "Jumlah tidak masuk akal (lebih dari Rp{max}).",
        "The amount is implausible (over Rp{max}).",
    ),
    "ledger.account_kind": (
        "Jenis rekening tidak dikenal: {kind}.",
        "Unknown account kind: {kind}.",
    ),
    "ledger.transfer_code": (
        "Jenis transfer tidak dikenal: {transfer_code}.",
        "Unknown transfer code: {transfer_code}.",
    ),
    "ledger.key_invalid": (
        "Kunci idempotensi wajib diisi (maks. 80 karakter).",
        "An idempotency key is required (at most 80 characters).",
    ),
    "ledger.same_account": (
        "Rekening debit dan kredit tidak boleh sama.",
        "The debit and credit accounts must differ.",
    ),
    "ledger.account_not_found": (
        "Rekening {account_id} tidak ditemukan.",
        "Account {account_id} not found.",
    ),
    "ledger.different_ledgers": (
        "Rekening {account_id} ada di buku besar lain; transfer antar buku besar ditolak.",
        "Account {account_id} is on another ledger; transfers between ledgers are refused.",
    ),
    "ledger.exceeds_credits": (
        "Saldo rekening {account_id} tidak cukup.",
        "Account {account_id} has too little balance.",
    ),
    "ledger.exceeds_debits": (
        "Rekening {account_id} tidak boleh dikredit melebihi debitnya.",
        "Account {account_id} may not be credited beyond its debits.",
    ),
    "ledger.key_reused": (
        "Kunci {key} sudah dipakai untuk transfer lain.",
        "Key {key} was already used for a different transfer.",
    ),
    "ledger.pending_not_found": (
        "Transfer tertunda {transfer_id} tidak ditemukan.",
        "Pending transfer {transfer_id} not found.",
    ),
    "ledger.post_exceeds_pending": (
        "Jumlah melebihi yang dicadangkan (Rp{pending}).",
        "The amount exceeds what was reserved (Rp{pending}).",
    ),
    "ledger.pending_already_resolved": (
        "Transfer tertunda {transfer_id} sudah diselesaikan.",
        "Pending transfer {transfer_id} was already posted or voided.",
    ),
    "ledger.pending_expired": (
        "Transfer tertunda {transfer_id} sudah kedaluwarsa.",
        "Pending transfer {transfer_id} has expired.",
    ),
    "ledger.inconsistent": (
        "Buku besar tidak konsisten: {count} temuan.",
        "The ledger is inconsistent: {count} faults found.",
    ),
    "ledger.batch_invalid": (
        "{rows} baris batch tidak sah (rekening atau jumlah); tidak ada yang dipindahkan.",
        "{rows} rows of the batch are invalid (account or amount); nothing was moved.",
    ),
    "match.run_not_found": (
        "Pencocokan {run_id} tidak ditemukan.",
        "Match run {run_id} not found.",
    ),
    "match.row_not_found": (
        "Baris {row_id} tidak ada dalam pencocokan {run_id}.",
        "Row {row_id} is not in match run {run_id}.",
    ),
    "match.file_gone": (
        "Berkas hasil pencocokan {run_id} sudah tidak ada di server.",
        "The resolved file of match run {run_id} is no longer on the server.",
    ),
    "file.too_large": (
        "Berkas terlalu besar (maks. {max_mb} MB); gunakan perintah bansos targeting match.",
        "The file is too large (max {max_mb} MB); use the bansos targeting match command.",
    ),
    "match.choose_one": (
        "Pilih satu: --person ID atau --none.",
        "Choose one: --person ID or --none.",
    ),
    "match.not_pending": (
        "Baris {row_id} tidak menunggu keputusan.",
        "Row {row_id} is not waiting for a decision.",
    ),
    "match.not_a_candidate": (
        "Orang {person_id} bukan salah satu kandidat baris ini.",
        "Person {person_id} is not one of this row's candidates.",
    ),
    "proposal.row_id_repeated": (
        "row_id sudah dipakai baris lain dalam berkas ini.",
        "This row_id is already used by another row of the file.",
    ),
    "excluded.proposed_deceased": (
        "Orang yang diusulkan sudah meninggal.",
        "The proposed person has died.",
    ),
    "excluded.out_of_area": (
        "Tinggal di luar wilayah program.",
        "Lives outside the program's area.",
    ),
    "excluded.field_moved": ("Pindah domisili (verifikasi lapangan).", "Moved away (field check)."),
    "excluded.field_deceased": (
        "Meninggal dunia (verifikasi lapangan).",
        "Deceased (field check).",
    ),
    "excluded.field_not_found": (
        "Tidak ditemukan di lapangan.",
        "Not found at the address (field check).",
    ),
    "excluded.field_wrong_data": (
        "Data tidak sesuai kenyataan (verifikasi lapangan).",
        "The data does not match reality (field check).",
    ),
    "excluded.deceased": ("Seluruh anggota keluarga meninggal.", "Every member has died."),
    "excluded.other_program": (
        "Sudah menerima program lain yang didahulukan.",
        "Already a beneficiary of a program that takes precedence.",
    ),
    "excluded.data_missing": (
        "Data kesejahteraan belum ada (belum tercatat di data sosial).",
        "Welfare data missing (not in the social registry).",
    ),
    "excluded.civil_servant": (
        "Ada anggota keluarga PNS/TNI/POLRI.",
        "A member is a civil servant, soldier or police officer.",
    ),
    "excluded.not_eligible": (
        "Tidak memenuhi syarat program.",
        "Does not meet the program's eligibility rule.",
    ),
    "request.invalid": ("Permintaan tidak valid: {detail}.", "Invalid request: {detail}."),
    "db.not_migrated": (
        "Basis data belum disiapkan: jalankan `bansos db upgrade` terlebih dahulu.",
        "The database has no schema yet: run `bansos db upgrade` first.",
    ),
    "key.missing": (
        "Kunci utama tidak ada: isi BANSOS_SECRET_KEY atau buat {path} (`bansos db upgrade`).",
        "No master key: set BANSOS_SECRET_KEY or create {path} (`bansos db upgrade` does).",
    ),
    "key.malformed": (
        "BANSOS_SECRET_KEY bukan base64url yang sah.",
        "BANSOS_SECRET_KEY is not valid base64url.",
    ),
    "key.length": (
        "Kunci utama harus {expected} bita, bukan {got}.",
        "The master key must be {expected} bytes, not {got}.",
    ),
    "key.permissions": (
        "Berkas kunci {path} dapat dibaca pengguna lain (mode {mode}); jalankan chmod 600.",
        "The key file {path} is readable by others (mode {mode}); chmod 600 it.",
    ),
    "key.mismatch": (
        "Kunci utama tidak cocok dengan basis data ini (ditulis dengan kunci lain). "
        "Pulihkan BANSOS_SECRET_KEY atau berkas kunci yang benar.",
        "The master key does not match this database (it was written with another key). "
        "Restore the right BANSOS_SECRET_KEY or key file.",
    ),
    "key.decrypt": (
        "Data tidak dapat didekripsi: kunci salah atau data rusak.",
        "Cannot decrypt: wrong master key or damaged data.",
    ),
    "key.ciphertext_version": (
        "Versi data terenkripsi tidak dikenal.",
        "Unknown encrypted-data version.",
    ),
    # Payments: SNAP (Bank Indonesia's open payment API) and its simulator
    "snap.timestamp_format": (
        "Waktu SNAP tidak sah: {value} (contoh yang benar: 2026-12-02T21:43:44+07:00).",
        "Invalid SNAP timestamp: {value} (expected e.g. 2026-12-02T21:43:44+07:00).",
    ),
    "snap.timestamp_naive": (
        "Waktu tanpa zona waktu tidak dapat dikirim ke bank.",
        "A time without a time zone cannot be sent to a bank.",
    ),
    "snap.zone_unknown": (
        "Zona waktu tidak dikenal: {zone} (pakai WIB, WITA, WIT atau +07:00).",
        "Unknown time zone: {zone} (use WIB, WITA, WIT or +07:00).",
    ),
    "snap.response_code_format": (
        "Kode respons SNAP harus 7 angka: {value}.",
        "A SNAP response code must be 7 digits: {value}.",
    ),
    "snap.amount_format": (
        'Nominal harus berupa teks dengan dua desimal, misalnya "10000.00": {value}.',
        'The amount must be text with two decimals, e.g. "10000.00": {value}.',
    ),
    "snap.amount_cents": (
        "Rupiah tidak memakai sen: desimal nominal harus .00 ({value}).",
        "Rupiah has no cents here: the decimals must be .00 ({value}).",
    ),
    "snap.amount_currency": (
        "Mata uang harus IDR, bukan {currency}.",
        "The currency must be IDR, not {currency}.",
    ),
    "snap.amount_range": (
        "Nominal di luar batas yang diizinkan: {value}.",
        "The amount is outside the allowed range: {value}.",
    ),
    "snap.body_not_json": (
        "Isi permintaan bukan JSON yang sah.",
        "The request body is not valid JSON.",
    ),
    "snap.key_invalid": (
        "Kunci RSA ({what}) tidak dapat dibaca: harus PEM RSA.",
        "The RSA key ({what}) cannot be read: it must be an RSA PEM.",
    ),
    "snap.credential_missing": (
        "Kredensial {what} untuk penyedia {provider} tidak diatur "
        "(isi berkas atau variabel lingkungan).",
        "The {what} credential for provider {provider} is not set "
        "(give a file or an environment variable).",
    ),
    "snap.credential_unreadable": (
        "Berkas kredensial {path} tidak dapat dibaca.",
        "The credential file {path} cannot be read.",
    ),
    "snap.provider_invalid": (
        "Konfigurasi penyedia {provider}: isian {field} tidak sah.",
        "Provider {provider} configuration: the field {field} is invalid.",
    ),
    "sim.config_invalid": (
        "Konfigurasi simulator tidak sah: {detail}.",
        "Invalid simulator configuration: {detail}.",
    ),
    # Payments: ISO 20022 and MT940 (payments/iso20022.py, payments/mt940.py)
    "iso20022.batch_empty": (
        "Batch pembayaran kosong; tidak ada berkas yang dibuat.",
        "The payout batch is empty; no file was written.",
    ),
    "iso20022.identifier_invalid": (
        "{field} tidak sah: '{value}'.",
        "{field} is invalid: '{value}'.",
    ),
    "iso20022.debtor_invalid": (
        "Rekening program (pengirim) tidak sah: {field} '{value}'.",
        "The program (debtor) account is invalid: {field} '{value}'.",
    ),
    "iso20022.end_to_end_id_invalid": (
        "Baris {row}: referensi end-to-end '{value}' tidak sah. Gunakan 1–35 huruf, angka, "
        "titik atau tanda hubung, diawali huruf atau angka.",
        "Row {row}: end-to-end reference '{value}' is invalid. Use 1–35 letters, digits, dots "
        "or hyphens, starting with a letter or a digit.",
    ),
    "iso20022.end_to_end_id_duplicate": (
        "Baris {row}: referensi end-to-end {end_to_end_id} sudah dipakai di baris sebelumnya.",
        "Row {row}: end-to-end reference {end_to_end_id} already appears on an earlier row.",
    ),
    "iso20022.amount_not_integer": (
        "Baris {row} ({end_to_end_id}): jumlah harus bilangan bulat rupiah, bukan {amount}.",
        "Row {row} ({end_to_end_id}): the amount must be a whole number of rupiah, not {amount}.",
    ),
    "iso20022.amount_not_positive": (
        "Baris {row} ({end_to_end_id}): jumlah harus lebih dari nol, bukan {amount}.",
        "Row {row} ({end_to_end_id}): the amount must be above zero, not {amount}.",
    ),
    "iso20022.name_empty": (
        "Baris {row} ({end_to_end_id}): nama penerima kosong.",
        "Row {row} ({end_to_end_id}): the recipient's name is empty.",
    ),
    "iso20022.text_invalid": (
        "Baris {row} ({end_to_end_id}): isian {field} kosong, terlalu panjang, atau berisi "
        "karakter kendali.",
        "Row {row} ({end_to_end_id}): the {field} field is empty, too long, or holds control "
        "characters.",
    ),
    "iso20022.account_invalid": (
        "Baris {row} ({end_to_end_id}): nomor rekening '{account}' harus 1–{max} angka saja.",
        "Row {row} ({end_to_end_id}): account number '{account}' must be 1–{max} digits only.",
    ),
    "iso20022.bank_code_invalid": (
        "Baris {row} ({end_to_end_id}): kode bank '{bank}' tidak sah untuk skema {scheme} "
        "(BIC seperti CENAIDJA, atau sandi BI 3 atau 7 angka).",
        "Row {row} ({end_to_end_id}): bank code '{bank}' is invalid for the {scheme} scheme "
        "(a BIC such as CENAIDJA, or a 3- or 7-digit Bank Indonesia code).",
    ),
    "iso20022.control_sum_too_large": (
        "Total batch {total} melebihi batas 18 digit berkas ISO 20022; bagi batch ini.",
        "The batch total {total} exceeds the 18 digits an ISO 20022 file allows; split it.",
    ),
    "iso20022.not_xml": (
        "Berkas ini bukan XML yang sah: {detail}",
        "This file is not well-formed XML: {detail}",
    ),
    "iso20022.message_unsupported": (
        "Jenis pesan {namespace} tidak didukung; yang diterima: {expected}.",
        "Message type {namespace} is not supported; accepted: {expected}.",
    ),
    "iso20022.schema_invalid": (
        "Berkas tidak sesuai skema resmi ISO 20022: {detail}",
        "The file does not conform to the official ISO 20022 schema: {detail}",
    ),
    "iso20022.count_mismatch": (
        "{where}: jumlah transaksi tertulis {declared}, padahal berisi {actual}.",
        "{where}: declares {declared} transactions but holds {actual}.",
    ),
    "iso20022.control_sum_mismatch": (
        "{where}: total kontrol tertulis {declared}, padahal jumlah transaksinya {actual}.",
        "{where}: declares a control sum of {declared} but its transactions add up to {actual}.",
    ),
    "iso20022.amount_missing": (
        "Transaksi {reference} tidak mencantumkan jumlah dalam rupiah.",
        "Transaction {reference} gives no amount in rupiah.",
    ),
    "iso20022.entry_status_unsupported": (
        "Mutasi {reference} berstatus {status}; hanya BOOK dan PDNG yang diterima.",
        "Entry {reference} has status {status}; only BOOK and PDNG are accepted.",
    ),
    "iso20022.entry_details_mismatch": (
        "Mutasi gabungan {reference} sebesar {entry_amount} tidak sama dengan rinciannya "
        "({details_amount}).",
        "Batch entry {reference} of {entry_amount} does not match its details ({details_amount}).",
    ),
    "statement.currency_unsupported": (
        "Mata uang {currency} tidak didukung; hanya IDR.",
        "Currency {currency} is not supported; IDR only.",
    ),
    "statement.amount_fractional": (
        "Jumlah {amount} bukan rupiah bulat; pecahan rupiah tidak diterima.",
        "Amount {amount} is not a whole number of rupiah; fractional rupiah are refused.",
    ),
    "statement.balance_missing": (
        "Rekening koran {statement_id} tidak mencantumkan saldo {balance}.",
        "Statement {statement_id} gives no {balance} balance.",
    ),
    "statement.balance_mismatch": (
        "Rekening koran {statement_id} tidak seimbang: saldo awal {opening} ditambah mutasi "
        "{entries} seharusnya {expected}, tetapi saldo akhir tertulis {closing}.",
        "Statement {statement_id} does not balance: opening {opening} plus entries {entries} "
        "should give {expected}, but the closing balance says {closing}.",
    ),
    "mt940.no_statement": (
        "Tidak ada rekening koran MT940 di berkas ini (tidak ada tag :20:).",
        "No MT940 statement in this file (no :20: tag).",
    ),
    "mt940.garbled": (
        "Berkas MT940 rusak atau tidak dikenali: {detail}",
        "The MT940 file is damaged or not recognised: {detail}",
    ),
    "mt940.field_missing": (
        "Rekening koran MT940 {statement_id} tidak memiliki isian {field}.",
        "MT940 statement {statement_id} has no {field} field.",
    ),
    # --- Payments: payout rails (payments/rails.py, payments/snap_client.py) ---
    "payments.destination_kind": (
        "Jenis tujuan pembayaran harus bank atau emoney, bukan {kind}.",
        "The payout destination kind must be bank or emoney, not {kind}.",
    ),
    "payments.destination_provider": (
        "Tujuan pembayaran tidak menyebut penyedia (bank atau dompet elektronik).",
        "The payout destination names no provider (bank or e-wallet).",
    ),
    "payments.account_number_invalid": (
        "Nomor rekening/akun {kind} harus 1–{max} angka saja.",
        "The {kind} account number must be 1–{max} digits only.",
    ),
    "payments.bank_code_invalid": (
        "Kode bank '{value}' tidak sah: transfer bank perlu sandi BI 3–8 angka, "
        "dompet elektronik tidak memakai kode bank.",
        "Bank code '{value}' is invalid: a bank transfer needs a 3–8 digit BI code, "
        "an e-wallet takes no bank code.",
    ),
    "payments.reference_invalid": (
        "Referensi pembayaran '{value}' tidak sah: 1–64 huruf, angka, titik, garis bawah "
        "atau tanda hubung, diawali huruf atau angka.",
        "Payout reference '{value}' is invalid: 1–64 letters, digits, dots, underscores or "
        "hyphens, starting with a letter or a digit.",
    ),
    "payments.amount_invalid": (
        "Nominal pembayaran harus rupiah bulat lebih dari nol, bukan {value}.",
        "The payout amount must be whole rupiah above zero, not {value}.",
    ),
    "payments.text_invalid": (
        "Isian {field} terlalu panjang (maks. {max} karakter) atau berisi karakter kendali.",
        "The {field} field is too long (max {max} characters) or holds control characters.",
    ),
    "payments.attempt_invalid": (
        "Nomor percobaan harus 1–{max}, bukan {value}.",
        "The attempt number must be 1–{max}, not {value}.",
    ),
    "payments.wrong_rail": (
        "Tujuan {kind} di {destination} tidak dapat dikirim lewat jalur {rail} ({rail_kind}).",
        "A {kind} destination at {destination} cannot go through the {rail} rail ({rail_kind}).",
    ),
    "payments.account_name_missing": (
        "Transfer bank memerlukan nama pemilik rekening dari hasil inquiry.",
        "A bank transfer needs the account holder's name from the account inquiry.",
    ),
    # --- end of payout rails ---
    # --- Payouts: channels, queueing, the worker (payments/channels.py, service.py, config.py) ---
    "payments.channel_kind": (
        "Saluran pembayaran harus wallet, emoney atau bank, bukan {kind}.",
        "The payout channel must be wallet, emoney or bank, not {kind}.",
    ),
    "payments.wallet_takes_no_account": (
        "Dompet program tidak memakai penyedia, nomor rekening atau kode bank.",
        "The program wallet takes no provider, account number or bank code.",
    ),
    "payments.provider_unknown": (
        "Penyedia pembayaran '{provider}' tidak dikenal (yang dikonfigurasi: {known}).",
        "Unknown payout provider '{provider}' (configured: {known}).",
    ),
    "payments.account_not_found": (
        "Rekening/akun {account} tidak ditemukan di penyedia.",
        "Account {account} does not exist at the provider.",
    ),
    "payments.account_inactive": (
        "Rekening/akun {account} tidak aktif atau diblokir dan tidak dapat menerima dana.",
        "Account {account} is inactive or blocked and cannot receive money.",
    ),
    "payments.inquiry_unclear": (
        "Penyedia tidak memberi jawaban yang jelas atas pengecekan rekening ({detail}); "
        "coba lagi nanti.",
        "The provider gave no clear answer to the account inquiry ({detail}); try again later.",
    ),
    "payments.inquiry_missing": (
        "Saluran ini belum dicek ke penyedia (inquiry rekening) untuk nomor yang sama.",
        "This channel has not been checked with the provider (account inquiry) for that number.",
    ),
    "payments.household_not_found": (
        "Keluarga {household_id} tidak ada di registri.",
        "Household {household_id} is not in the registry.",
    ),
    "payments.channel_not_found": (
        "Saluran pembayaran {channel_id} tidak ditemukan.",
        "Payout channel {channel_id} was not found.",
    ),
    "payments.channel_not_in_review": (
        "Saluran pembayaran ini tidak menunggu pemeriksaan (status {status}).",
        "This payout channel is not awaiting review (status {status}).",
    ),
    "payments.own_request": (
        "Saluran pembayaran yang Anda ajukan sendiri harus diputuskan oleh orang lain.",
        "A payout channel you set yourself must be decided by somebody else.",
    ),
    "payments.reason_required": (
        "Keputusan atas saluran pembayaran memerlukan alasan.",
        "A decision on a payout channel needs a reason.",
    ),
    "payments.reference_too_long": (
        "Referensi pembayaran '{reference}' melebihi {max} huruf, angka atau tanda hubung.",
        "Payout reference '{reference}' exceeds {max} letters, digits or hyphens.",
    ),
    "payments.insufficient_funds": (
        "Saldo sumber tidak cukup untuk pembayaran {reference}.",
        "The source account cannot cover payout {reference}.",
    ),
    "payments.cycle_not_disbursed": (
        "Siklus {cycle_id} belum disalurkan ke dompet (status {status}).",
        "Cycle {cycle_id} has not been disbursed to wallets (status {status}).",
    ),
    "payments.payout_not_found": (
        "Pembayaran {payout_id} tidak ditemukan.",
        "Payout {payout_id} was not found.",
    ),
    "payments.providers_missing": (
        "Konfigurasi penyedia pembayaran belum diberikan: pakai --providers atau {variable}.",
        "No payout provider configuration given: use --providers or {variable}.",
    ),
    "payments.providers_invalid": (
        "Konfigurasi penyedia pembayaran tidak sah: {detail}",
        "The payout provider configuration is invalid: {detail}",
    ),
    "settlement.not_found": (
        "Instruksi penyelesaian {settlement_id} tidak ditemukan.",
        "Settlement instruction {settlement_id} was not found.",
    ),
    # --- end of payouts ---
    # Payments: reconciliation
    "payments.date_invalid": (
        "Tanggal tidak sah: {value} (pakai TTTT-BB-HH).",
        "Not a valid date: {value} (use YYYY-MM-DD).",
    ),
    "payments.reference_not_found": (
        "Pembayaran {reference} tidak ditemukan.",
        "Payout {reference} not found.",
    ),
    "payments.payout_not_in_review": (
        "Pembayaran {reference} tidak menunggu keputusan (status {status}).",
        "Payout {reference} is not waiting for a decision (status {status}).",
    ),
}


def message(code: str, lang: Lang = "id", **params: object) -> str:
    """The human text for ``code`` in ``lang``; an unknown code is returned as itself."""
    pair = MESSAGES.get(code)
    if pair is None:
        return code
    text = pair[0] if lang == "id" else pair[1]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


def both(code: str, **params: object) -> dict[str, str]:
    """Both languages at once, as API errors and rejects files carry them."""
    return {"id": message(code, "id", **params), "en": message(code, "en", **params)}
