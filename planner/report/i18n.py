"""Labels of maps, charts and the report in English (``en``) or Bahasa Indonesia (``id``), and number formats.

Every visible word of the report layer comes from ``TEXT`` through :func:`translator`, so adding a language
is adding one dictionary with the same keys. Placeholders use ``str.format`` names (``{year}``).
"""

from __future__ import annotations

from collections.abc import Callable

from planner.errors import InputError

LANGS = ("en", "id")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "gerai": "gerai (service outlets)", "kanal": "kanal (self-service kiosks)",
        "gerai_short": "gerai", "kanal_short": "kanal",
        "national_title": "Where the new outlets go: new {kind} per regency/city, {first}-{last}",
        "national_suptitle": "National allocation by {year}",
        "legend_new": "new {kind}", "legend_none": "none",
        "existing_marker": "{kind} open before {year}", "province_outline": "province boundary",
        "rollout_title": "Rollout year by year: regencies/cities opening new gerai and kanal",
        "rollout_panel": "{year}: +{gerai} gerai, +{kanal} kanal",
        "rollout_earlier": "gerai already open", "rollout_new_gerai": "new gerai this year",
        "rollout_new_kanal": "new kanal\n(dot size = count)",
        "rollout_totals": "Openings per year",
        "reach_suptitle": "Informal workers within reach, {year}",
        "reach_share_title": "Share of informal workers within reach of a gerai or kanal, {year}",
        "reach_gain_title": ("Gain over one gerai per regency/city: percentage points of the regency's "
                             "informal workers, {year} (nationwide {gain} workers)"),
        "legend_share": "share within reach", "legend_gain": "gain (percentage points)",
        "focus_title": "{province}: new gerai and kanal by {year}",
        "focus_subtitle": "labels: regency/city, +new gerai / +new kanal {first}-{last}",
        "focus_sites": "chosen sites with catchment ({gerai_km:g} km gerai, {kanal_km:g} km kanal)",
        "site_gerai": "gerai site ({km:g} km catchment)", "site_kanal": "kanal site ({km:g} km catchment)",
        "neighbour": "neighbouring province",
        "scale_km": "km", "source_default": ("Data: embedded default dataset (idn-area-data, ODbL; Natural Earth; "
                                             "GeoNames, CC BY 4.0; BPS SP2010 province totals); "
                                             "populations estimated"),
        "source_file": "Data: {name}", "approximate": "approximate regency boundaries",
        "plan_line": "Plan: scenario '{scenario}', status {status}",
        "st_optimal": "optimal", "st_feasible": "time-limited (feasible)",
        "st_site_level": "improved at site level",
        "spend_title": "Spending against the budget per year", "capex": "capital (new outlets)",
        "opex": "running (all open outlets)", "budget": "budget", "idr_bn": "billion IDR", "year": "year",
        "reach_chart_title": "Informal workers within reach: plan vs baselines", "workers_m": "million workers",
        "plan": "optimised plan", "one_per_regency": "one gerai per regency/city",
        "proportional": "proportional to workers", "greedy": "year-by-year greedy",
        "informal_total": "all informal workers",
        "marginal_title": "Value of one more billion IDR in each year's budget",
        "marginal_axis": "extra {unit} per extra billion IDR",
        "unit_worker-years": "worker-years", "unit_workers": "workers",
        "report_title": "Gerai and kanal rollout plan {first}-{last}",
        "headline": "Headline", "maps": "Maps", "charts": "Charts", "provinces": "Per province",
        "budget_table": "Budget per year", "focus_section": "{province}: {branch}",
        "branch_16": "Palembang branch", "branch_other": "focus province",
        "assumptions": "Assumptions and data", "solver": "Solver status",
        "h_reached": "informal workers within reach by {year}",
        "h_gain": "more informal workers within reach by {year} than with one gerai per regency/city ({baseline})",
        "h_gain_obj": "{gain} {objective_unit} over {first}-{last} ({pct})",
        "h_cost": "spent {first}-{last} ({gerai} new gerai, {kanal} new kanal)",
        "of_total": "of {total} ({share})",
        "col_province": "province", "col_region": "regency/city", "col_code": "code",
        "col_new_gerai": "new gerai", "col_new_kanal": "new kanal", "col_existing_gerai": "gerai before",
        "col_workers": "informal workers", "col_reached": "within reach", "col_share": "share",
        "col_when_gerai": "new gerai (year: count)", "col_when_kanal": "new kanal (year: count)",
        "col_budget": "budget", "col_capex": "capital", "col_opex": "running", "col_spend": "spend",
        "col_left": "left", "col_marginal": "workers per extra billion IDR", "col_year": "year",
        "rest_of": "rest of {province}", "total": "total", "none_short": "-",
        "status_optimal": "optimal within the requested gap: proven gap {gap}",
        "status_feasible": "time-limited: feasible plan, proven gap {gap}",
        "status_site_level": ("improved at site level: the site-level phase moved {moved} to a neighbouring "
                              "regency or another year, within every rule; proven site-level gap {site_gap} (by "
                              "the regency reach tables {gap} below the count model's bound)"),
        "n_outlets_one": "{n} outlet", "n_outlets": "{n} outlets",
        "site_level_line": ("site level (each person counted once, across regency borders): no plan under these "
                            "rules reaches more than {bound} {unit}; this plan reaches {objective} (site-level "
                            "gap {gap})"),
        "status_detail": ("solver {solver}; objective {objective} {unit}, bound {bound}; "
                          "build {build:.1f} s, solve {solve:.1f} s"),
        "a_targets": "Targets", "a_costs": "Costs (IDR)", "a_radii": "Catchment radius", "a_budget": "Budgets",
        "a_rules": "Rules", "a_data": "Data sources", "a_estimated": "What is estimated",
        "a_capex": "opening cost", "a_opex": "running cost per year", "a_target_text": "{target} new ({mode})",
        "a_existing": "{count} open before the plan",
        "a_growth": "population growth {rate} a year from {year}",
        "a_province_min": "at least {n} gerai open in every province by {year}",
        "a_kanal_rule": "kanal placement rule: {rule}", "a_carry": "unspent budget carried over: {value}",
        "a_reach_model": "reach model: {model}", "a_objective": "objective: {objective}",
        "a_locks": "locked openings: {locks}",
        "a_est_population": "populations of {n} of {total} regions are estimates",
        "a_est_geometry": "boundaries of {n} of {total} regions are approximate cells, not official boundaries",
        "a_est_workers": "informal workers are the same share of the population everywhere; membership by "
                         "regency is not public, so all informal workers count as potential members",
        "a_est_nothing": "regions come from an imported official dataset",
        "yes": "yes", "no": "no",
        "footer": "Generated by planner {version}; scenario sha256 {sha}.",
        "sites_none": "Site-level placement is not part of this result: the map shows regency totals.",
        "when_none": "none",
        "cap_national": "New gerai and kanal per regency/city over the plan; circles mark gerai open before it.",
        "cap_rollout": "Where outlets open, year by year.",
        "cap_reach": "Share of informal workers within reach by the final year, and the gain over one gerai per "
                     "regency/city.",
        "cap_focus": "Close-up of the focus province.",
        "cap_spend": "Capital and running spend against each year's budget.",
        "cap_reach_chart": "Informal workers within reach per year, the plan against the baselines.",
        "cap_marginal": "What one more billion IDR in a year's budget would add (the budget row's dual in the "
                        "LP relaxation).",
        "focus_intro": "What each regency/city gets and when (new outlets per year), and the rest of the province.",
        "scenario_line": "Scenario '{name}': {description}",
        "unreached_title": "Where the informal workers beyond reach live, {year}: {workers} ({share}) beyond reach",
        "unreached_subtitle": ("informal workers no open gerai or kanal reaches, summed over cells of about {km} km; "
                               "the dark cells are where the next outlets would reach most people"),
        "legend_unreached": "beyond reach per km²",
        "cap_unreached": "Where the informal workers beyond reach of every placed outlet live (density per km²).",
        "reach_measured": "measured from the {sites} placed outlets against every demand point",
        "reach_model": "the allocation model's estimate, not measured from placed outlets",
        "reach_model_beside": "the allocation model estimated {workers}",
        "im_title": "Gerai and kanal rollout plan {first}-{last}: interactive map",
        "im_colour_by": "Colour regencies/cities by",
        "im_new_year": "new {kind} opened in {year}", "im_new_all": "all new {kind}, {first}-{last}",
        "im_share": "share within reach, {year}", "im_gain": "gain over one gerai per regency/city, {year}",
        "im_gain_unit": "percentage points", "im_layer_regions": "Regencies/cities (colour: selector above)",
        "im_layer_provinces": "Province boundaries", "im_layer_sites": "New {kind} sites ({n})",
        "im_layer_catchments": "Catchments ({gerai_km:g} km gerai, {kanal_km:g} km kanal)",
        "im_layer_existing": "Gerai open before {year} ({n})",
        "im_layer_unreached": "Informal workers beyond reach, {year}",
        "im_hint": "Hover or tap a regency/city, site or cell for its figures; switch layers on the right.",
        "im_no_sites": ("No outlets were placed on sites in this run (--no-sites, or a dataset without points): "
                        "the map shows regency/city totals only."),
        "im_no_unreached": "Where the people beyond reach live needs placed sites; it is not part of this run.",
        "im_simplified": "Boundaries simplified for display (about {m} m) so that this file stays under {mb} MB.",
        "im_existing_regency": ("{n} gerai open before {year} in {region} (drawn at the regency's seat; the "
                                "exact site is not in the data)"),
        "im_site": "{kind} site {name}, opens {year}", "im_covered": "informal workers within {km:g} km",
        "im_cell": "{workers} informal workers beyond reach in this cell ({density} per km²)",
        "im_gain_row": "gain over one gerai per regency/city",
        "im_total": "total", "im_sources": "Sources", "im_status": "Plan status", "im_gap": "proven gap {gap}",
        "im_gap_site_level": "proven site-level gap {gap}",
        "pdf_contents": "Contents", "pdf_page": "page {n}", "pdf_every_region": "every one in {province}",
        "map_link_text": "Explore the plan on the interactive map (map.html)",
        "map_link_note": ("- zoom to a province, hover a regency/city, switch years; it opens in any browser without "
                          "a network"),
    },
    "id": {
        "gerai": "gerai (kantor layanan)", "kanal": "kanal (kios layanan mandiri)",
        "gerai_short": "gerai", "kanal_short": "kanal",
        "national_title": "Lokasi outlet baru: {kind} baru per kabupaten/kota, {first}-{last}",
        "national_suptitle": "Alokasi nasional sampai {year}",
        "legend_new": "{kind} baru", "legend_none": "tidak ada",
        "existing_marker": "{kind} yang sudah buka sebelum {year}", "province_outline": "batas provinsi",
        "rollout_title": "Pembukaan per tahun: kabupaten/kota yang membuka gerai dan kanal baru",
        "rollout_panel": "{year}: +{gerai} gerai, +{kanal} kanal",
        "rollout_earlier": "gerai sudah buka", "rollout_new_gerai": "gerai baru tahun ini",
        "rollout_new_kanal": "kanal baru\n(ukuran titik = jumlah)",
        "rollout_totals": "Pembukaan per tahun",
        "reach_suptitle": "Pekerja informal dalam jangkauan, {year}",
        "reach_share_title": "Pangsa pekerja informal dalam jangkauan gerai atau kanal, {year}",
        "reach_gain_title": ("Tambahan dibanding satu gerai per kabupaten/kota: poin persentase pekerja informal "
                             "kabupaten/kota, {year} (nasional {gain} pekerja)"),
        "legend_share": "pangsa dalam jangkauan", "legend_gain": "tambahan (poin persentase)",
        "focus_title": "{province}: gerai dan kanal baru sampai {year}",
        "focus_subtitle": "label: kabupaten/kota, +gerai baru / +kanal baru {first}-{last}",
        "focus_sites": "lokasi terpilih dengan jangkauan ({gerai_km:g} km gerai, {kanal_km:g} km kanal)",
        "site_gerai": "lokasi gerai (jangkauan {km:g} km)", "site_kanal": "lokasi kanal (jangkauan {km:g} km)",
        "neighbour": "provinsi tetangga",
        "scale_km": "km", "source_default": ("Data: dataset bawaan (idn-area-data, ODbL; Natural Earth; "
                                             "GeoNames, CC BY 4.0; total provinsi BPS SP2010); "
                                             "jumlah penduduk perkiraan"),
        "source_file": "Data: {name}", "approximate": "batas kabupaten/kota perkiraan",
        "plan_line": "Rencana: skenario '{scenario}', status {status}",
        "st_optimal": "optimal", "st_feasible": "dibatasi waktu (layak)",
        "st_site_level": "ditingkatkan di tingkat lokasi",
        "spend_title": "Belanja dibanding anggaran per tahun", "capex": "belanja modal (outlet baru)",
        "opex": "biaya operasional (semua outlet)", "budget": "anggaran", "idr_bn": "miliar rupiah",
        "year": "tahun",
        "reach_chart_title": "Pekerja informal dalam jangkauan: rencana vs pembanding",
        "workers_m": "juta pekerja",
        "plan": "rencana optimal", "one_per_regency": "satu gerai per kabupaten/kota",
        "proportional": "proporsional jumlah pekerja", "greedy": "serakah per tahun",
        "informal_total": "seluruh pekerja informal",
        "marginal_title": "Nilai tambahan satu miliar rupiah pada anggaran tiap tahun",
        "marginal_axis": "tambahan {unit} per tambahan satu miliar rupiah",
        "unit_worker-years": "pekerja-tahun", "unit_workers": "pekerja",
        "report_title": "Rencana pembukaan gerai dan kanal {first}-{last}",
        "headline": "Ringkasan", "maps": "Peta", "charts": "Grafik", "provinces": "Per provinsi",
        "budget_table": "Anggaran per tahun", "focus_section": "{province}: {branch}",
        "branch_16": "Kantor Cabang Palembang", "branch_other": "provinsi fokus",
        "assumptions": "Asumsi dan data", "solver": "Status solver",
        "h_reached": "pekerja informal dalam jangkauan pada {year}",
        "h_gain": "tambahan pekerja informal dalam jangkauan pada {year} dibanding satu gerai per kabupaten/kota "
                  "({baseline})",
        "h_gain_obj": "{gain} {objective_unit} selama {first}-{last} ({pct})",
        "h_cost": "dibelanjakan {first}-{last} ({gerai} gerai baru, {kanal} kanal baru)",
        "of_total": "dari {total} ({share})",
        "col_province": "provinsi", "col_region": "kabupaten/kota", "col_code": "kode",
        "col_new_gerai": "gerai baru", "col_new_kanal": "kanal baru", "col_existing_gerai": "gerai sebelumnya",
        "col_workers": "pekerja informal", "col_reached": "dalam jangkauan", "col_share": "pangsa",
        "col_when_gerai": "gerai baru (tahun: jumlah)", "col_when_kanal": "kanal baru (tahun: jumlah)",
        "col_budget": "anggaran", "col_capex": "modal", "col_opex": "operasional", "col_spend": "belanja",
        "col_left": "sisa", "col_marginal": "pekerja per tambahan satu miliar rupiah", "col_year": "tahun",
        "rest_of": "sisa {province}", "total": "jumlah", "none_short": "-",
        "status_optimal": "optimal dalam celah yang diminta: celah terbukti {gap}",
        "status_feasible": "dibatasi waktu: rencana layak, celah terbukti {gap}",
        "status_site_level": ("ditingkatkan di tingkat lokasi: tahap tingkat lokasi memindahkan {moved} ke "
                              "kabupaten/kota tetangga atau ke tahun lain, dalam semua aturan; celah tingkat "
                              "lokasi terbukti {site_gap} (menurut tabel jangkauan kabupaten/kota {gap} di bawah "
                              "batas model jumlah)"),
        "n_outlets_one": "{n} gerai/kanal", "n_outlets": "{n} gerai/kanal",
        "site_level_line": ("tingkat lokasi (setiap orang dihitung sekali, melintasi batas kabupaten/kota): tidak ada "
                            "rencana dengan aturan ini yang menjangkau lebih dari {bound} {unit}; rencana ini "
                            "menjangkau {objective} (celah tingkat lokasi {gap})"),
        "status_detail": ("solver {solver}; nilai tujuan {objective} {unit}, batas {bound}; "
                          "penyusunan {build:.1f} dtk, penyelesaian {solve:.1f} dtk"),
        "a_targets": "Target", "a_costs": "Biaya (rupiah)", "a_radii": "Radius jangkauan", "a_budget": "Anggaran",
        "a_rules": "Aturan", "a_data": "Sumber data", "a_estimated": "Yang merupakan perkiraan",
        "a_capex": "biaya pembukaan", "a_opex": "biaya operasional per tahun",
        "a_target_text": "{target} baru ({mode})", "a_existing": "{count} sudah buka sebelum rencana",
        "a_growth": "pertumbuhan penduduk {rate} per tahun sejak {year}",
        "a_province_min": "paling sedikit {n} gerai buka di setiap provinsi pada {year}",
        "a_kanal_rule": "aturan penempatan kanal: {rule}",
        "a_carry": "sisa anggaran dibawa ke tahun berikutnya: {value}",
        "a_reach_model": "model jangkauan: {model}", "a_objective": "tujuan: {objective}",
        "a_locks": "pembukaan yang dikunci: {locks}",
        "a_est_population": "jumlah penduduk {n} dari {total} wilayah adalah perkiraan",
        "a_est_geometry": "batas {n} dari {total} wilayah adalah sel perkiraan, bukan batas resmi",
        "a_est_workers": "pekerja informal dianggap proporsi penduduk yang sama di semua wilayah; kepesertaan per "
                         "kabupaten/kota tidak dipublikasikan, jadi semua pekerja informal dihitung sebagai calon "
                         "peserta",
        "a_est_nothing": "wilayah berasal dari dataset resmi yang diimpor",
        "yes": "ya", "no": "tidak",
        "footer": "Dibuat oleh planner {version}; sha256 skenario {sha}.",
        "sites_none": "Penempatan per lokasi tidak termasuk dalam hasil ini: peta menunjukkan jumlah per "
                      "kabupaten/kota.",
        "when_none": "tidak ada",
        "cap_national": "Gerai dan kanal baru per kabupaten/kota selama rencana; lingkaran menandai gerai yang sudah "
                        "buka sebelumnya.",
        "cap_rollout": "Lokasi pembukaan outlet, tahun demi tahun.",
        "cap_reach": "Pangsa pekerja informal dalam jangkauan pada tahun terakhir, dan tambahannya dibanding satu "
                     "gerai per kabupaten/kota.",
        "cap_focus": "Peta rinci provinsi fokus.",
        "cap_spend": "Belanja modal dan operasional dibanding anggaran tiap tahun.",
        "cap_reach_chart": "Pekerja informal dalam jangkauan per tahun, rencana dibanding pembanding.",
        "cap_marginal": "Tambahan hasil dari satu miliar rupiah lagi pada anggaran suatu tahun (nilai dual baris "
                        "anggaran pada relaksasi LP).",
        "focus_intro": "Apa yang diperoleh tiap kabupaten/kota dan kapan (outlet baru per tahun), serta sisa provinsi.",
        "scenario_line": "Skenario '{name}': {description}",
        "unreached_title": ("Tempat tinggal pekerja informal di luar jangkauan, {year}: {workers} ({share}) di luar "
                            "jangkauan"),
        "unreached_subtitle": ("pekerja informal yang tidak terjangkau gerai atau kanal mana pun, dijumlahkan per sel "
                               "sekitar {km} km; sel gelap adalah tempat outlet berikutnya menjangkau paling banyak "
                               "orang"),
        "legend_unreached": "di luar jangkauan per km²",
        "cap_unreached": "Tempat tinggal pekerja informal di luar jangkauan semua outlet (kepadatan per km²).",
        "reach_measured": "diukur dari {sites} outlet yang ditempatkan terhadap semua titik permintaan",
        "reach_model": "perkiraan model alokasi, tidak diukur dari outlet yang ditempatkan",
        "reach_model_beside": "model alokasi memperkirakan {workers}",
        "im_title": "Rencana pembukaan gerai dan kanal {first}-{last}: peta interaktif",
        "im_colour_by": "Warnai kabupaten/kota menurut",
        "im_new_year": "{kind} baru dibuka pada {year}", "im_new_all": "semua {kind} baru, {first}-{last}",
        "im_share": "pangsa dalam jangkauan, {year}",
        "im_gain": "tambahan dibanding satu gerai per kabupaten/kota, {year}",
        "im_gain_unit": "poin persentase", "im_layer_regions": "Kabupaten/kota (warna: pilihan di atas)",
        "im_layer_provinces": "Batas provinsi", "im_layer_sites": "Lokasi {kind} baru ({n})",
        "im_layer_catchments": "Jangkauan ({gerai_km:g} km gerai, {kanal_km:g} km kanal)",
        "im_layer_existing": "Gerai yang buka sebelum {year} ({n})",
        "im_layer_unreached": "Pekerja informal di luar jangkauan, {year}",
        "im_hint": "Arahkan atau ketuk kabupaten/kota, lokasi atau sel untuk angkanya; pilih lapisan di kanan.",
        "im_no_sites": ("Outlet tidak ditempatkan pada lokasi dalam proses ini (--no-sites, atau dataset tanpa titik): "
                        "peta hanya menunjukkan jumlah per kabupaten/kota."),
        "im_no_unreached": ("Tempat tinggal orang di luar jangkauan memerlukan lokasi yang ditempatkan; tidak termasuk "
                            "dalam proses ini."),
        "im_simplified": ("Batas wilayah disederhanakan untuk tampilan (sekitar {m} m) agar berkas ini di bawah "
                          "{mb} MB."),
        "im_existing_regency": ("{n} gerai buka sebelum {year} di {region} (digambar di ibu kota kabupaten/kota; "
                                "lokasi persisnya tidak ada dalam data)"),
        "im_site": "lokasi {kind} {name}, dibuka {year}", "im_covered": "pekerja informal dalam {km:g} km",
        "im_cell": "{workers} pekerja informal di luar jangkauan di sel ini ({density} per km²)",
        "im_gain_row": "tambahan dibanding satu gerai per kabupaten/kota",
        "im_total": "jumlah", "im_sources": "Sumber", "im_status": "Status rencana", "im_gap": "celah terbukti {gap}",
        "im_gap_site_level": "celah terbukti tingkat lokasi {gap}",
        "pdf_contents": "Isi", "pdf_page": "halaman {n}", "pdf_every_region": "semua di {province}",
        "map_link_text": "Jelajahi rencana pada peta interaktif (map.html)",
        "map_link_note": ("- perbesar ke provinsi, arahkan ke kabupaten/kota, ganti tahun; terbuka di peramban "
                          "mana pun tanpa jaringan"),
    },
}


def check_lang(lang: str) -> str:
    """Return ``lang`` when it is a known language code, else raise ``InputError``."""
    if lang not in TEXT:
        raise InputError(f"--lang {lang!r}: unknown language; use one of {', '.join(LANGS)}.")
    return lang


def translator(lang: str = "en") -> Callable[..., str]:
    """A function ``t(key, **values)`` returning the label ``key`` in ``lang`` with placeholders filled.

    Parameters
    ----------
    lang : str
        ``"en"`` or ``"id"``.

    Returns
    -------
    callable

    Examples
    --------
    >>> t = translator("id")
    >>> t("rollout_panel", year=2014, gerai=3, kanal=5)
    '2014: +3 gerai, +5 kanal'
    """
    table = TEXT[check_lang(lang)]

    def t(key: str, **values: object) -> str:
        text = table[key]
        return text.format(**values) if values else text

    t.lang = lang
    return t


def number(value: float, lang: str = "en", decimals: int = 0) -> str:
    """Format a number with the language's separators (``1,234.5`` in English, ``1.234,5`` in Indonesian)."""
    text = f"{value:,.{decimals}f}"
    if lang == "id":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    return text


def percent(fraction: float | None, lang: str = "en", decimals: int = 1) -> str:
    """Format a fraction as a percentage (``0.123`` -> ``12.3 %``); None -> ``n/a``."""
    if fraction is None:
        return "n/a"
    return f"{number(100.0 * fraction, lang, decimals)} %"


def millions(value: float, lang: str = "en", decimals: int = 1) -> str:
    """Format a count in millions (``74,983,039`` -> ``75.0 M`` / ``75,0 juta``)."""
    unit = "juta" if lang == "id" else "M"
    return f"{number(value / 1e6, lang, decimals)} {unit}"


def idr_billion(value_idr: float, lang: str = "en", decimals: int = 1) -> str:
    """Format an IDR amount in billions (``IDR 916.8 bn`` / ``Rp 916,8 miliar``)."""
    if lang == "id":
        return f"Rp {number(value_idr / 1e9, lang, decimals)} miliar"
    return f"IDR {number(value_idr / 1e9, lang, decimals)} bn"
