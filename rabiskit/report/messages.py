"""The report's message catalogue: every heading, column label and message in kk / ru / en.

Kazakh is the default (the plan is written in Kazakh).  Level and digitisation type names
come from :mod:`rabiskit.rules.levels` (through the plan, which may rename levels); all
other words a report shows are here, under a stable key.  ``t(key, lang, **values)``
looks one up and fills its ``{placeholders}``.
"""

from __future__ import annotations

LANGS = ("kk", "ru", "en")
DEFAULT_LANG = "kk"

MESSAGES: dict[str, dict[str, str]] = {
    # -- the document -------------------------------------------------------------------
    "report_title": {
        "kk": "Электрондық каталог жоспарының орындалуы",
        "ru": "Выполнение плана по электронному каталогу",
        "en": "Electronic catalogue: plan fulfilment",
    },
    "about": {"kk": "Есеп туралы", "ru": "Об отчёте", "en": "About this report"},
    "library": {"kk": "Кітапхана", "ru": "Библиотека", "en": "Library"},
    "year": {"kk": "Жыл", "ru": "Год", "en": "Year"},
    "period": {"kk": "Кезең", "ru": "Период", "en": "Period"},
    "produced": {"kk": "Есеп жасалған күн", "ru": "Дата составления", "en": "Date produced"},
    "plan_source": {"kk": "Жоспар файлы", "ru": "Файл плана", "en": "Plan file"},
    "plan_builtin": {"kk": "кіріктірілген (2026 жылғы жоспар)", "ru": "встроенный (план 2026 года)",
                     "en": "built-in (the 2026 plan)"},
    "records_read": {"kk": "Оқылған жазбалар", "ru": "Прочитано записей", "en": "Records read"},
    "records_in_period": {"kk": "Кезеңдегі жаңа жазбалар", "ru": "Новых записей за период",
                          "en": "New records in the period"},
    "records_outside": {"kk": "Кезеңнен тыс жазбалар", "ru": "Записей вне периода",
                        "en": "Records outside the period"},
    "records_undated": {"kk": "Енгізу күні жоқ жазбалар", "ru": "Записей без даты ввода",
                        "en": "Records with no date entered"},
    "records_deleted": {"kk": "Жойылған деп белгіленген жазбалар",
                        "ru": "Записей, помеченных как удалённые",
                        "en": "Records marked deleted"},
    "records_not_bibliographic": {"kk": "Библиографиялық емес жазбалар (авторитетті, қор туралы ...)",
                                  "ru": "Небиблиографических записей (авторитетных, о фонде ...)",
                                  "en": "Records not bibliographic (authority, holdings ...)"},
    "records_damaged": {"kk": "Зақымдалған (қалпына келтірілген) жазбалар",
                        "ru": "Повреждённых (восстановленных) записей",
                        "en": "Damaged (salvaged) records"},
    "quarter": {"kk": "{roman} тоқсан", "ru": "{roman} квартал", "en": "Q{n}"},
    "year_to_date": {"kk": "Жыл басынан бері", "ru": "С начала года", "en": "Year to date"},
    "period_dates": {"kk": "{start} – {end}", "ru": "{start} – {end}", "en": "{start} – {end}"},
    "period_quarter": {"kk": "{year} жылғы {roman} тоқсан", "ru": "{roman} квартал {year} года",
                       "en": "Q{n} {year}"},
    "period_ytd": {"kk": "{year} жыл, жыл басынан {end} дейін",
                   "ru": "{year} год, с начала года по {end}",
                   "en": "{year}, year to date (to {end})"},
    "to_date": {"kk": "{date} дейін", "ru": "по {date}", "en": "to {date}"},
    "period_year": {"kk": "{year} жыл", "ru": "{year} год", "en": "{year}"},
    "total": {"kk": "Барлығы", "ru": "Итого", "en": "Total"},
    "of_which": {"kk": "оның ішінде: {name}", "ru": "в том числе: {name}", "en": "of which: {name}"},
    # -- tables -------------------------------------------------------------------------
    "t_catalogue": {"kk": "Электрондық каталогқа енгізілген жаңа библиографиялық жазбалар",
                    "ru": "Новые библиографические записи в электронном каталоге",
                    "en": "New bibliographic records in the electronic catalogue"},
    "t_kazakh_share": {"kk": "Мемлекеттік тілдегі жазбалар үлесі",
                       "ru": "Доля записей на государственном языке",
                       "en": "Share of records in Kazakh"},
    "t_months": {"kk": "Ай сайынғы жаңа жазбалар", "ru": "Новые записи по месяцам",
                 "en": "New records month by month"},
    "t_digitisation": {"kk": "Құжаттарды цифрлау", "ru": "Оцифровка документов",
                       "en": "Digitisation"},
    "t_digitisation_issues": {"kk": "Цифрлауды тексеру: назар аударатын жазбалар",
                              "ru": "Проверка оцифровки: что проверить",
                              "en": "Digitisation: to check"},
    "t_files": {"kk": "Оқылған файлдар", "ru": "Прочитанные файлы", "en": "Files read"},
    "t_rules": {"kk": "Деңгейді анықтау ережелері (ретімен)",
                "ru": "Правила определения уровня (по порядку)",
                "en": "Level rules (in order, first match wins)"},
    "t_problems": {"kk": "Қосымша: зақымдалған, күні жоқ және жойылған жазбалар",
                   "ru": "Приложение: повреждённые, недатированные и удалённые записи",
                   "en": "Appendix: damaged, undated and deleted records"},
    "t_chart": {"kk": "Жоспар мен нақты көрсеткіш (тоқсан бойынша)",
                "ru": "План и факт (по кварталам)", "en": "Plan and actual (by quarter)"},
    # -- columns ------------------------------------------------------------------------
    "c_level": {"kk": "Деңгей", "ru": "Уровень", "en": "Level"},
    "c_plan": {"kk": "Жоспар", "ru": "План", "en": "Plan"},
    "c_actual": {"kk": "Нақты", "ru": "Факт", "en": "Actual"},
    "c_percent": {"kk": "Орындалуы, %", "ru": "Выполнение, %", "en": "% done"},
    "c_kazakh_plan": {"kk": "Қазақ тілінде: жоспар", "ru": "На казахском: план",
                      "en": "In Kazakh: plan"},
    "c_kazakh_actual": {"kk": "Қазақ тілінде: нақты", "ru": "На казахском: факт",
                        "en": "In Kazakh: actual"},
    "c_kazakh_share": {"kk": "Қазақ тіліндегі үлесі, %", "ru": "Доля на казахском, %",
                       "en": "Kazakh share, %"},
    "c_kazakh_share_plan": {"kk": "Жоспардағы қазақ тілі үлесі, %",
                            "ru": "Доля на казахском по плану, %",
                            "en": "Planned Kazakh share, %"},
    "c_kazakh_percent": {"kk": "Қазақ тілінде орындалуы, %", "ru": "Выполнение на казахском, %",
                         "en": "Kazakh % done"},
    "c_share_difference": {"kk": "Үлес айырмасы, п.п.", "ru": "Разница долей, п.п.",
                           "en": "Share difference, points"},
    "c_other_languages": {"kk": "Басқа тілдер", "ru": "Другие языки", "en": "Other languages"},
    "c_month": {"kk": "Ай", "ru": "Месяц", "en": "Month"},
    "c_month_name": {"kk": "Ай атауы", "ru": "Название месяца", "en": "Month name"},
    "c_type": {"kk": "Түрі", "ru": "Вид", "en": "Type"},
    "c_documents_plan": {"kk": "Құжат: жоспар", "ru": "Документы: план", "en": "Documents: plan"},
    "c_documents": {"kk": "Құжат: нақты", "ru": "Документы: факт", "en": "Documents: actual"},
    "c_documents_percent": {"kk": "Құжат: орындалуы, %", "ru": "Документы: выполнение, %",
                            "en": "Documents: % done"},
    "c_pages_plan": {"kk": "Бет: жоспар", "ru": "Страницы: план", "en": "Pages: plan"},
    "c_pages": {"kk": "Бет: нақты", "ru": "Страницы: факт", "en": "Pages: actual"},
    "c_pages_percent": {"kk": "Бет: орындалуы, %", "ru": "Страницы: выполнение, %",
                        "en": "Pages: % done"},
    "c_kazakh_documents_plan": {"kk": "Қазақша құжат: жоспар", "ru": "Док. на каз.: план",
                                "en": "Kazakh documents: plan"},
    "c_kazakh_documents": {"kk": "Қазақша құжат: нақты", "ru": "Док. на каз.: факт",
                           "en": "Kazakh documents: actual"},
    "c_kazakh_pages_plan": {"kk": "Қазақша бет: жоспар", "ru": "Стр. на каз.: план",
                            "en": "Kazakh pages: plan"},
    "c_kazakh_pages": {"kk": "Қазақша бет: нақты", "ru": "Стр. на каз.: факт",
                       "en": "Kazakh pages: actual"},
    "c_issue": {"kk": "Не тексеру керек", "ru": "Что проверить", "en": "What to check"},
    "c_detail": {"kk": "Толығырақ", "ru": "Подробности", "en": "Details"},
    "c_file": {"kk": "Файл", "ru": "Файл", "en": "File"},
    "c_format": {"kk": "Пішім", "ru": "Формат", "en": "Format"},
    "c_database": {"kk": "Дерекқор (--db)", "ru": "База (--db)", "en": "Database (--db)"},
    "c_records": {"kk": "Жазбалар", "ru": "Записей", "en": "Records"},
    "c_damaged": {"kk": "Зақымдалған", "ru": "Повреждённых", "en": "Damaged"},
    "c_encodings": {"kk": "Кодтамалар", "ru": "Кодировки", "en": "Encodings"},
    "c_flavours": {"kk": "MARC түрі", "ru": "Вид MARC", "en": "MARC flavour"},
    "c_dates": {"kk": "Енгізу күндері", "ru": "Даты ввода", "en": "Dates entered"},
    "c_problems": {"kk": "Ақаулар", "ru": "Проблем", "en": "Problems"},
    "c_number": {"kk": "№", "ru": "№", "en": "No."},
    "c_rule": {"kk": "Ереже", "ru": "Правило", "en": "Rule"},
    "c_kind": {"kk": "Түрі", "ru": "Вид", "en": "Kind"},
    "c_record": {"kk": "Жазба №", "ru": "Запись №", "en": "Record no."},
    "c_offset": {"kk": "Байт", "ru": "Байт", "en": "Byte offset"},
    "c_id": {"kk": "001", "ru": "001", "en": "001"},
    "c_title": {"kk": "Атауы", "ru": "Заглавие", "en": "Title"},
    "c_message": {"kk": "Себебі", "ru": "Причина", "en": "Reason"},
    # -- spreadsheet sheet names (at most 31 characters) ---------------------------------
    "s_catalogue": {"kk": "Каталог", "ru": "Каталог", "en": "Catalogue"},
    "s_chart": {"kk": "Диаграмма", "ru": "Диаграмма", "en": "Chart"},
    "s_kazakh_share": {"kk": "Қазақ тілі үлесі", "ru": "Доля казахского", "en": "Kazakh share"},
    "s_months": {"kk": "Айлар", "ru": "По месяцам", "en": "Months"},
    "s_digitisation": {"kk": "Цифрлау", "ru": "Оцифровка", "en": "Digitisation"},
    "s_digitisation_issues": {"kk": "Цифрлауды тексеру", "ru": "Проверка оцифровки",
                              "en": "Digitisation checks"},
    "s_control": {"kk": "Бақылау көрсеткіштері", "ru": "Контрольные показатели",
                  "en": "Control indicators"},
    "s_records": {"kk": "Жазбалар тоқсан бойынша", "ru": "Записи по кварталам",
                  "en": "Records by quarter"},
    "s_digitisation_plan": {"kk": "Цифрлау тоқсан бойынша", "ru": "Оцифровка по кварталам",
                            "en": "Digitisation by quarter"},
    "s_annual_statistics": {"kk": "6-НК", "ru": "6-НК", "en": "6-NK"},
    "s_subtotal": {"kk": "Корпоративтік", "ru": "Корпоративная", "en": "Corporate"},
    "s_files": {"kk": "Файлдар", "ru": "Файлы", "en": "Files"},
    "s_rules": {"kk": "Ережелер", "ru": "Правила", "en": "Rules"},
    "s_problems": {"kk": "Ақаулар", "ru": "Проблемы", "en": "Problems"},
    "s_about": {"kk": "Есеп туралы", "ru": "Об отчёте", "en": "About"},
    "c_level_quarter": {"kk": "Деңгей, тоқсан", "ru": "Уровень, квартал", "en": "Level, quarter"},
    # -- problem kinds ------------------------------------------------------------------
    "k_damaged": {"kk": "зақымдалған", "ru": "повреждена", "en": "damaged"},
    "k_file": {"kk": "файл ақауы", "ru": "проблема файла", "en": "file problem"},
    "k_undated": {"kk": "күні жоқ", "ru": "без даты", "en": "undated"},
    "k_deleted": {"kk": "жойылған", "ru": "удалена", "en": "deleted"},
    "k_after_as_of": {"kk": "есеп күнінен кейін", "ru": "после даты отчёта",
                      "en": "after the as-of date"},
    "k_missing_pdfs": {"kk": "PDF табылмады", "ru": "нет PDF", "en": "PDF missing"},
    "k_orphan_pdfs": {"kk": "жазбасы жоқ PDF", "ru": "PDF без записи", "en": "PDF with no record"},
    "k_page_mismatches": {"kk": "бет саны сәйкес емес", "ru": "не совпадает число страниц",
                          "en": "page count differs"},
    "k_problems": {"kk": "ақау", "ru": "проблема", "en": "problem"},
    # -- chart and marks ----------------------------------------------------------------
    "plan": {"kk": "Жоспар", "ru": "План", "en": "Plan"},
    "actual": {"kk": "Нақты", "ru": "Факт", "en": "Actual"},
    "shortfall": {"kk": "жоспардан кем", "ru": "ниже плана", "en": "below the plan"},
    "surplus": {"kk": "жоспардан артық", "ru": "выше плана", "en": "above the plan"},
    "legend": {"kk": "▼ — жоспардан кем, ▲ — жоспардан артық",
               "ru": "▼ — ниже плана, ▲ — выше плана",
               "en": "▼ below the plan, ▲ above the plan"},
    "n_catalogue": {"kk": "Жазба енгізу күні бойынша есептеледі (UNIMARC 100$a/0-7, MARC 21 008/00-05); "
                          "тілі — мәтіннің негізгі тілі (101$a, 008/35-37).",
                    "ru": "Запись считается по дате ввода (UNIMARC 100$a/0-7, MARC 21 008/00-05); "
                          "язык — основной язык текста (101$a, 008/35-37).",
                    "en": "A record counts by its date entered (UNIMARC 100$a/0-7, MARC 21 "
                          "008/00-05); its language is the main language of the text (101$a, "
                          "008/35-37)."},
    "n_no_records": {"kk": "Бұл кезеңде жаңа жазба жоқ.", "ru": "За период новых записей нет.",
                     "en": "No new records in this period."},
    "n_truncated": {"kk": "… тағы {n} жол (толық тізім XLSX, CSV және JSON файлдарында)",
                    "ru": "… и ещё {n} строк (полный список в XLSX, CSV и JSON)",
                    "en": "… and {n} more rows (the full list is in the XLSX, CSV and JSON)"},
    "n_year_mismatch": {"kk": "Жоспар {plan_year} жылға, кезең {year} жылда: жоспар тоқсандары алынды",
                        "ru": "План на {plan_year} год, период в {year} году: взяты кварталы плана",
                        "en": "The plan is for {plan_year}, the period is in {year}: the plan's "
                              "quarters are used"},
    "n_digitisation_counts": {"kk": "PDF табылмады: {missing}; жазбасы жоқ PDF: {orphan}; "
                                    "бет саны сәйкес емес: {mismatch}",
                              "ru": "Нет PDF: {missing}; PDF без записи: {orphan}; "
                                    "не совпадает число страниц: {mismatch}",
                              "en": "PDFs missing: {missing}; PDFs with no record: {orphan}; "
                                    "page counts that differ: {mismatch}"},
    "n_share_plan": {"kk": "Жоспардағы үлес = қазақ тіліндегі жоспар / жалпы жоспар.",
                     "ru": "Доля по плану = план на казахском / общий план.",
                     "en": "Planned share = Kazakh plan / plan."},
    "n_rules_db": {"kk": "--db арқылы көрсетілген файлдың барлық жазбалары сол деңгейге жатады.",
                   "ru": "Все записи файла, указанного через --db, относятся к этому уровню.",
                   "en": "Every record of a file given with --db counts at that level."},
    # -- closed quarters (reports from a ledger) -----------------------------------------
    "quarter_closed": {"kk": "{label} (жабылды {date})", "ru": "{label} (закрыт {date})",
                       "en": "{label} (closed {date})"},
    "t_corrections": {"kk": "Жабылған тоқсандарға түзетулер",
                      "ru": "Исправления в закрытых кварталах",
                      "en": "Corrections to closed quarters"},
    "t_corrections_delta": {"kk": "Жабылған тоқсандарға түзетулер: деңгейлер бойынша айырма",
                            "ru": "Исправления в закрытых кварталах: разница по уровням",
                            "en": "Corrections to closed quarters: the difference per level"},
    "s_corrections": {"kk": "Түзетулер", "ru": "Исправления", "en": "Corrections"},
    "s_corrections_delta": {"kk": "Түзетулер айырмасы", "ru": "Исправления разница",
                            "en": "Corrections difference"},
    "c_quarter": {"kk": "Тоқсан", "ru": "Квартал", "en": "Quarter"},
    "c_database_name": {"kk": "Дерекқор", "ru": "База", "en": "Database"},
    "c_change": {"kk": "Өзгеріс", "ru": "Изменение", "en": "Change"},
    "c_before": {"kk": "Бұрын (деңгей, тіл)", "ru": "Было (уровень, язык)",
                 "en": "Before (level, language)"},
    "c_after": {"kk": "Кейін (деңгей, тіл)", "ru": "Стало (уровень, язык)",
                "en": "After (level, language)"},
    "c_what": {"kk": "Не өзгерді", "ru": "Что изменилось", "en": "What changed"},
    "c_imported": {"kk": "Импорт күні", "ru": "Дата импорта", "en": "Imported on"},
    "c_handed_in": {"kk": "Тапсырылғаны", "ru": "Сдано", "en": "Handed in"},
    "c_delta": {"kk": "Түзетулер", "ru": "Исправления", "en": "Corrections"},
    "c_now": {"kk": "Қазір", "ru": "Сейчас", "en": "Now"},
    "c_kazakh_handed_in": {"kk": "Қазақ тілінде: тапсырылғаны", "ru": "На казахском: сдано",
                           "en": "In Kazakh: handed in"},
    "c_kazakh_delta": {"kk": "Қазақ тілінде: түзетулер", "ru": "На казахском: исправления",
                       "en": "In Kazakh: corrections"},
    "c_kazakh_now": {"kk": "Қазақ тілінде: қазір", "ru": "На казахском: сейчас",
                     "en": "In Kazakh: now"},
    "k_added": {"kk": "тоқсанға қосылды", "ru": "добавлена в квартал",
                "en": "added to the quarter"},
    "k_removed": {"kk": "тоқсаннан шықты", "ru": "выбыла из квартала",
                  "en": "removed from the quarter"},
    "k_changed": {"kk": "өзгерді", "ru": "изменена", "en": "changed"},
    "w_new_record": {"kk": "жаңа жазба", "ru": "новая запись", "en": "new record"},
    "w_marked_deleted": {"kk": "жойылған деп белгіленді (leader/05 d)",
                         "ru": "помечена как удалённая (leader/05 d)",
                         "en": "marked deleted (leader/05 d)"},
    "w_undeleted": {"kk": "жойылған белгісі алынды", "ru": "снята пометка об удалении",
                    "en": "no longer marked deleted"},
    "w_level": {"kk": "деңгейі {change}", "ru": "уровень {change}", "en": "level {change}"},
    "w_language": {"kk": "тілі {change}", "ru": "язык {change}", "en": "language {change}"},
    "w_date_entered": {"kk": "енгізу күні {change}", "ru": "дата ввода {change}",
                       "en": "date entered {change}"},
    "w_changed": {"kk": "өзгерді", "ru": "изменена", "en": "changed"},
    "n_closed_quarters": {
        "kk": "Жабылған тоқсандар — {quarters}: жабылған кездегі (тапсырылған) сандар "
              "көрсетілген; кейінгі түзетулер «Жабылған тоқсандарға түзетулер» кестесінде.",
        "ru": "Закрытые кварталы — {quarters}: показаны числа на момент закрытия (то, что "
              "было сдано); последующие исправления — в таблице «Исправления в закрытых "
              "кварталах».",
        "en": "Closed quarters — {quarters}: the numbers frozen when they were closed (what "
              "was handed in) are shown; later corrections are listed under \"Corrections "
              "to closed quarters\"."},
    "n_ytd_frozen": {
        "kk": "«Жыл басынан бері» бағандары — көрсетілген тоқсандардың қосындысы; жабылған "
              "тоқсандар тапсырылған сандарымен алынды: {quarters}.",
        "ru": "Столбцы «С начала года» — сумма кварталов в том виде, как они показаны; "
              "закрытые кварталы взяты со сданными числами: {quarters}.",
        "en": "The year-to-date columns are the sum of the quarters as shown; closed "
              "quarters count with their frozen numbers: {quarters}."},
    "n_months_closed": {
        "kk": "Жабылған тоқсандардың айлары — {quarters} — каталогтың қазіргі күйін көрсетеді "
              "(түзетулермен бірге); тапсырылған сандар — каталог кестесінде.",
        "ru": "Месяцы закрытых кварталов — {quarters} — показывают каталог как он есть сейчас "
              "(с исправлениями); сданные числа — в таблице каталога.",
        "en": "The months of closed quarters — {quarters} — show the catalogue as it is now "
              "(corrections included); the numbers handed in are in the catalogue table."},
    "n_corrections": {
        "kk": "Әр жол — жабылған тоқсанды кейінгі импорт өзгерткен жазба; тапсырылған "
              "сандар өзгермейді. «rabiskit ledger close ТОҚСАН --force» түзетулерді "
              "қабылдайды.",
        "ru": "Каждая строка — запись закрытого квартала, изменённая последующим импортом; "
              "сданные числа не меняются. «rabiskit ledger close КВАРТАЛ --force» принимает "
              "исправления.",
        "en": "Each row is a record of a closed quarter that a later import changed; the "
              "numbers handed in do not change. 'rabiskit ledger close QUARTER --force' "
              "takes the corrections in."},
    "n_no_corrections": {"kk": "Тоқсандар жабылғаннан бері түзету жоқ.",
                         "ru": "С момента закрытия кварталов исправлений нет.",
                         "en": "No corrections since the quarters were closed."},
    "n_delta": {"kk": "Тапсырылғаны + түзетулер = қазір (каталогтың бүгінгі күйі).",
                "ru": "Сдано + исправления = сейчас (каталог на сегодня).",
                "en": "Handed in + corrections = now (the catalogue as it is today)."},
    "n_delta_mismatch": {
        "kk": "{period}: тапсырылғаны мен түзетулердің қосындысы қазіргі сандардан өзгеше "
              "(тоқсан жабылғаннан кейін деңгей ережелері немесе жоспар өзгерген болуы мүмкін).",
        "ru": "{period}: сданное плюс исправления не равно текущим числам (после закрытия, "
              "возможно, изменились правила уровней или план).",
        "en": "{period}: the numbers handed in plus the corrections differ from the numbers "
              "now (the level rules or the plan may have changed since it was closed)."},
    "warnings": {"kk": "Ескертулер", "ru": "Предупреждения", "en": "Warnings"},
    # -- the hand-in part: the plan's own tables (seed, sections II and V) ----------------
    "h_heading": {"kk": "{period} бойынша электронды каталог жоспарының орындалысы туралы есеп",
                  "ru": "Отчёт о выполнении плана по электронному каталогу за {period}",
                  "en": "Report on the fulfilment of the electronic catalogue plan for {period}"},
    "h_period_quarter": {"kk": "{year} жылғы {roman} тоқсан", "ru": "{roman} квартал {year} года",
                         "en": "Q{n} {year}"},
    "h_period_year": {"kk": "{year} жыл", "ru": "{year} год", "en": "{year}"},
    "h_period_ytd": {"kk": "{year} жылғы {start} – {end} кезеңі",
                     "ru": "период с {start} по {end}", "en": "the period {start} – {end}"},
    "h_produced": {"kk": "Есеп жасалған күн: {date}", "ru": "Дата составления: {date}",
                   "en": "Date produced: {date}"},
    "h_director": {"kk": "Директор", "ru": "Директор", "en": "Director"},
    "h_responsible": {"kk": "Жауапты тұлға", "ru": "Ответственное лицо",
                      "en": "Responsible person"},
    "h_signature": {"kk": "(қолы)", "ru": "(подпись)", "en": "(signature)"},
    "h_page": {"kk": "Бет", "ru": "Страница", "en": "Page"},
    "h_of_pages": {"kk": "барлығы", "ru": "из", "en": "of"},
    "h_appendix": {"kk": "Қосымша: оқылған файлдар, ережелер, тексерулер",
                   "ru": "Приложение: прочитанные файлы, правила, проверки",
                   "en": "Appendix: files read, rules, checks"},
    "h_details": {"kk": "Талдау кестелері", "ru": "Аналитические таблицы",
                  "en": "Analysis tables"},
    "h_t_control": {"kk": "Бақылау көрсеткіштері", "ru": "Контрольные показатели",
                    "en": "Control indicators"},
    "h_control": {"kk": "Бақылау көрсеткіштері", "ru": "Контрольные показатели",
                  "en": "Control indicator"},
    "h_year": {"kk": "{year} ж", "ru": "{year} г.", "en": "{year}"},
    "h_year_plan": {"kk": "{year} ж жоспар", "ru": "План {year} г.", "en": "{year} plan"},
    "h_year_long": {"kk": "{year} жыл", "ru": "{year} год", "en": "{year}"},
    "h_year_plan_long": {"kk": "Жоспар {year} жыл", "ru": "План на {year} год",
                         "en": "Plan for {year}"},
    "h_plan": {"kk": "жоспар", "ru": "план", "en": "plan"},
    "h_actual": {"kk": "орындалысы", "ru": "выполнение", "en": "actual"},
    "h_kazakh_plan": {"kk": "оның ішінде қазақша", "ru": "в т. ч. на казахском",
                      "en": "of which in Kazakh"},
    "h_kazakh_actual": {"kk": "қазақша орындалысы", "ru": "выполнение на казахском",
                        "en": "in Kazakh, actual"},
    "h_records": {"kk": "Электронды каталогтағы жазу саны",
                  "ru": "Количество записей в электронном каталоге",
                  "en": "Records in the electronic catalogue"},
    "h_state_language": {"kk": "Мемлекеттік тілде", "ru": "на государственном языке",
                         "en": "in the state language"},
    "h_digitised": {"kk": "Оцифровка", "ru": "Оцифровка", "en": "Digitised documents"},
    "h_digitised_pages": {"kk": "Оцифровка кезіндегі беттер саны",
                          "ru": "Количество страниц при оцифровке", "en": "Pages digitised"},
    "h_t_records": {"kk": "{year} жылға библиографиялық жазбаның тоқсан бойынша жиынтық жоспары "
                          "және оның орындалысы",
                    "ru": "Сводный план библиографических записей на {year} год по кварталам "
                          "и его выполнение",
                    "en": "Bibliographic records: the {year} plan by quarter and its fulfilment"},
    "h_level": {"kk": "Каталог деңгейі", "ru": "Уровень каталога", "en": "Catalogue level"},
    "h_library_level": {"kk": "Каталог деңгейі", "ru": "Уровень каталога",
                        "en": "Catalogue level"},
    "h_total": {"kk": "Барлығы:", "ru": "Итого:", "en": "Total:"},
    "h_beyond": {"kk": "Жоспардан тыс жазбалар (жоспары жоқ деңгейлер):",
                 "ru": "Записи сверх плана (уровни без плана):",
                 "en": "Records beyond the plan (levels with no target):"},
    "h_all_levels": {"kk": "Барлық деңгейлер бойынша", "ru": "По всем уровням",
                     "en": "All levels"},
    "h_t_digitisation": {"kk": "Құжаттарды цифрлау тоқсан бойынша жиынтық жоспары және оның "
                               "орындалысы",
                         "ru": "Сводный план оцифровки документов по кварталам и его выполнение",
                         "en": "Digitisation: the plan by quarter and its fulfilment"},
    "h_digitisation_type": {"kk": "Оцифровкалау", "ru": "Оцифровка", "en": "Digitisation"},
    "h_pages": {"kk": "Бет саны", "ru": "Количество страниц", "en": "Pages"},
    "h_documents_total": {"kk": "Құжат барлығы", "ru": "Всего документов",
                          "en": "Documents in all"},
    "n_control": {"kk": "Жазу саны — жоспары бар деңгейлер бойынша ({levels}); жоспардан тыс "
                        "жазбалар келесі кестеде бөлек көрсетілген.",
                  "ru": "Количество записей — по уровням, для которых есть план ({levels}); "
                        "записи сверх плана показаны отдельно в следующей таблице.",
                  "en": "Records: the levels the plan sets a target for ({levels}); records "
                        "beyond the plan are shown apart in the next table."},
    "n_control_stated": {"kk": "Жоспар сандары — жоспардың II бөліміндегі бақылау "
                               "көрсеткіштері, жоспарда жазылғандай.",
                         "ru": "Плановые цифры — контрольные показатели раздела II плана, "
                               "как они записаны в плане.",
                         "en": "The plan figures are the control indicators of the plan's "
                               "section II, as the plan states them."},
    "n_no_digitisation": {"kk": "Цифрлау есептелмеді.", "ru": "Оцифровка не подсчитана.",
                          "en": "Digitisation was not counted."},
    "n_records_total": {"kk": "«Барлығы» — жоспары бар деңгейлер бойынша: {levels}.",
                        "ru": "«Итого» — по уровням, для которых есть план: {levels}.",
                        "en": "\"Total\" covers the levels with a target: {levels}."},
    "n_beyond": {"kk": "Жоспары жоқ деңгейлердің жазбалары «Барлығы» жолына қосылмайды.",
                 "ru": "Записи уровней без плана в строку «Итого» не входят.",
                 "en": "Records of levels with no target are not in the total."},
    "h_t_6nk": {"kk": "Жылдық мемлекеттік статистикалық есептілікке (6-НК нысаны): электрондық "
                      "ресурстар",
                "ru": "Для годового государственного статистического отчёта (форма 6-НК): "
                      "электронные ресурсы",
                "en": "For the annual state statistics (form 6-NK): electronic resources"},
    "h_6nk_indicator": {"kk": "Көрсеткіш", "ru": "Показатель", "en": "Indicator"},
    "h_6nk_value": {"kk": "Саны", "ru": "Количество", "en": "Number"},
    "h_6nk_created": {"kk": "{year} жылы электрондық каталогқа енгізілген жазбалар",
                      "ru": "Создано записей электронного каталога в {year} году",
                      "en": "Catalogue records created in {year}"},
    "h_6nk_withdrawn": {"kk": "{year} жылы шығарылған (жойылған) жазбалар",
                        "ru": "Исключено (удалено) записей в {year} году",
                        "en": "Records withdrawn (deleted) in {year}"},
    "h_6nk_in_catalogue": {"kk": "Электрондық каталогтағы жазбалардың барлығы ({date} жағдай "
                                 "бойынша)",
                           "ru": "Всего записей в электронном каталоге (на {date})",
                           "en": "Records in the electronic catalogue in all (on {date})"},
    "h_6nk_digitised_year": {"kk": "{year} жылы цифрланған құжаттар",
                             "ru": "Оцифровано документов в {year} году",
                             "en": "Documents digitised in {year}"},
    "h_6nk_digitised_total": {"kk": "Цифрланған құжаттардың барлығы ({date} жағдай бойынша)",
                              "ru": "Всего оцифрованных документов (на {date})",
                              "en": "Documents digitised in all (on {date})"},
    "n_6nk": {"kk": "Экспорт файлдары бойынша есептелді: енгізілгені — енгізу күні бойынша; "
                    "шығарылғаны — жойылған деп белгіленген жазбалар (соңғы өзгеріс күні, 005); "
                    "барлығы — жойылмаған жазбалар.",
              "ru": "Подсчитано по файлам экспорта: созданные — по дате ввода; исключённые — "
                    "записи, помеченные как удалённые (по дате последнего изменения, 005); "
                    "всего — неудалённые записи.",
              "en": "Counted from the export files: created by the date entered; withdrawn: "
                    "records marked deleted (by their last change, 005); in all: the records "
                    "not deleted."},
    "n_6nk_undated": {"kk": "Күні жоқ жазбалар: жойылған {withdrawn}, жойылмаған {undated} "
                            "(жойылмағандары «барлығы» жолына қосылды).",
                      "ru": "Записи без даты: удалённых {withdrawn}, неудалённых {undated} "
                            "(неудалённые включены во «всего»).",
                      "en": "Undated records: {withdrawn} deleted, {undated} not deleted (the "
                            "latter are in the total)."},
    "w_after_as_of": {"kk": "{date} күнінен кейінгі күнмен енгізілген {n} жазба есептелмеді: {where}",
                      "ru": "{n} записей с датой ввода после {date} не учтены: {where}",
                      "en": "{n} record(s) dated after {date} are not counted: {where}"},
    "w_future": {"kk": "{n} жазбаның енгізу күні болашақта ({date} күнінен кейін) — енгізу "
                       "қатесі, есептелмеді: {where}",
                 "ru": "У {n} записей дата ввода в будущем (после {date}) — ошибка ввода, не "
                       "учтены: {where}",
                 "en": "{n} record(s) are dated in the future (after {date}): entry errors, "
                       "not counted: {where}"},
    "w_and_more": {"kk": "тағы {n} (толық тізім қосымшада)",
                   "ru": "и ещё {n} (полный список в приложении)",
                   "en": "and {n} more (the full list is in the appendix)"},
    "w_and_more_listed": {"kk": "тағы {n} (қосымшада алғашқы {listed} жазба тізілген)",
                          "ru": "и ещё {n} (в приложении перечислены первые {listed})",
                          "en": "and {n} more (the first {listed} are listed in the appendix)"},
    "n_after_as_of_more": {"kk": "Есеп күнінен кейін енгізілген тағы {n} жазба тізілмеген "
                                 "(барлығы {total} жазба есептелмеді).",
                           "ru": "Ещё {n} записей, введённых после даты отчёта, не перечислены "
                                 "(всего не учтено {total}).",
                           "en": "{n} more records entered after the report's date are not "
                                 "listed ({total} in all are not counted)."},
    "w_record_at": {"kk": "{file}, {record}-жазба", "ru": "{file}, запись {record}",
                    "en": "{file}, record {record}"},
    "n_pdf_not_checked": {"kk": "PDF қалтасы тексерілмеді (--pdf-dir берілмеген).",
                          "ru": "Папка PDF не проверялась (не указан --pdf-dir).",
                          "en": "The PDF folder was not checked (no --pdf-dir)."},
    "r_records_after_as_of": {"kk": "Есеп күнінен кейінгі жазбалар",
                              "ru": "Записей после даты отчёта", "en": "Records after the as-of date"},
    "none": {"kk": "жоқ", "ru": "нет", "en": "none"},
    # -- the cataloguers' table (rabiskit.report.operators) --------------------------------
    "t_operators": {"kk": "Каталогшылардың жаңа жазбалары", "ru": "Новые записи по каталогизаторам",
                    "en": "New records by cataloguer"},
    "c_operator": {"kk": "Каталогшы", "ru": "Каталогизатор", "en": "Cataloguer"},
    "c_total": {"kk": "Барлығы", "ru": "Всего", "en": "Total"},
    "c_kazakh": {"kk": "Қазақ тілінде", "ru": "На казахском", "en": "In Kazakh"},
    "unknown_operator": {"kk": "(белгісіз)", "ru": "(не указан)", "en": "(unknown)"},
    "n_operators": {"kk": "Каталогшы жазбаның бірінші {where} өрісінен алынады.",
                    "ru": "Каталогизатор берётся из первого поля {where} записи.",
                    "en": "The cataloguer is taken from the record's first {where}."},
}

MONTHS: dict[str, tuple[str, ...]] = {
    "kk": ("Қаңтар", "Ақпан", "Наурыз", "Сәуір", "Мамыр", "Маусым", "Шілде", "Тамыз",
           "Қыркүйек", "Қазан", "Қараша", "Желтоқсан"),
    "ru": ("Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август", "Сентябрь",
           "Октябрь", "Ноябрь", "Декабрь"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}


#: names of the languages records are most often in (ISO 639-2 codes, 101$a / 008/35-37)
LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "kaz": {"kk": "қазақ тілі", "ru": "казахский", "en": "Kazakh"},
    "rus": {"kk": "орыс тілі", "ru": "русский", "en": "Russian"},
    "eng": {"kk": "ағылшын тілі", "ru": "английский", "en": "English"},
    "ger": {"kk": "неміс тілі", "ru": "немецкий", "en": "German"},
    "deu": {"kk": "неміс тілі", "ru": "немецкий", "en": "German"},
    "fre": {"kk": "француз тілі", "ru": "французский", "en": "French"},
    "fra": {"kk": "француз тілі", "ru": "французский", "en": "French"},
    "tur": {"kk": "түрік тілі", "ru": "турецкий", "en": "Turkish"},
    "uzb": {"kk": "өзбек тілі", "ru": "узбекский", "en": "Uzbek"},
    "kir": {"kk": "қырғыз тілі", "ru": "киргизский", "en": "Kyrgyz"},
    "tat": {"kk": "татар тілі", "ru": "татарский", "en": "Tatar"},
    "ukr": {"kk": "украин тілі", "ru": "украинский", "en": "Ukrainian"},
    "bel": {"kk": "беларусь тілі", "ru": "белорусский", "en": "Belarusian"},
    "chi": {"kk": "қытай тілі", "ru": "китайский", "en": "Chinese"},
    "zho": {"kk": "қытай тілі", "ru": "китайский", "en": "Chinese"},
    "ara": {"kk": "араб тілі", "ru": "арабский", "en": "Arabic"},
    "uig": {"kk": "ұйғыр тілі", "ru": "уйгурский", "en": "Uyghur"},
    "mul": {"kk": "бірнеше тіл", "ru": "несколько языков", "en": "several languages"},
    "und": {"kk": "тілі анықталмаған", "ru": "язык не определён", "en": "undetermined"},
    "zxx": {"kk": "тілдік мазмұны жоқ", "ru": "нет языкового содержания",
            "en": "no linguistic content"},
    "": {"kk": "тілі көрсетілмеген", "ru": "язык не указан", "en": "no language given"},
}


def language_name(code: str | None, lang: str = DEFAULT_LANG) -> str:
    """'орыс тілі' for rus in a Kazakh report; an unknown code as 'коды xyz' / 'код xyz'."""
    names = LANGUAGE_NAMES.get((code or "").strip().lower())
    if names is not None:
        return names.get(lang) or names["en"]
    return {"kk": f"тіл коды {code}", "ru": f"код языка {code}"}.get(lang, str(code))


def check_lang(lang: str) -> str:
    """``lang`` lower-cased when it is kk, ru or en; else ValueError."""
    code = (lang or "").strip().lower()
    if code not in LANGS:
        raise ValueError(f"--lang {lang}: use kk, ru or en")
    return code


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def t(key: str, lang: str = DEFAULT_LANG, **values) -> str:
    """The message ``key`` in ``lang`` (falling back to Kazakh), placeholders filled; a
    quarter number ``n`` also fills ``{roman}`` (I-IV)."""
    entry = MESSAGES[key]
    text = entry.get(lang) or entry[DEFAULT_LANG]
    n = values.get("n")
    if isinstance(n, int) and "roman" not in values:
        values["roman"] = ROMAN.get(n, str(n))
    return text.format(**values) if values else text


def quarter_label(q: int, lang: str = DEFAULT_LANG) -> str:
    """'II тоқсан', 'II квартал', 'Q2'."""
    return t("quarter", lang, n=q)


def date_text(d) -> str:
    """A date as the reports write it: dd.mm.yyyy."""
    return d.strftime("%d.%m.%Y")


def month_name(month: int, lang: str = DEFAULT_LANG) -> str:
    return MONTHS.get(lang, MONTHS[DEFAULT_LANG])[month - 1]


#: the fixed phrases of a correction's description (``rabiskit.ledger.importer``)
_WHAT_FIXED = {"new record": "w_new_record", "marked deleted (leader/05 d)": "w_marked_deleted",
               "no longer marked deleted": "w_undeleted", "changed": "w_changed"}
_WHAT_PREFIXED = (("level ", "w_level"), ("language ", "w_language"),
                  ("date entered ", "w_date_entered"))


def what_text(what: str, lang: str = DEFAULT_LANG) -> str:
    """A correction's description ('language rus → kaz; date entered …') in ``lang``;
    parts it does not know are kept as they are."""
    parts = []
    for part in (what or "").split("; "):
        if part in _WHAT_FIXED:
            parts.append(t(_WHAT_FIXED[part], lang))
            continue
        for prefix, key in _WHAT_PREFIXED:
            if part.startswith(prefix):
                parts.append(t(key, lang, change=part[len(prefix):]))
                break
        else:
            parts.append(part)
    return "; ".join(p for p in parts if p)
