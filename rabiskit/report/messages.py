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
    "quarter": {"kk": "{n}-тоқсан", "ru": "{n} квартал", "en": "Q{n}"},
    "year_to_date": {"kk": "Жыл басынан бері", "ru": "С начала года", "en": "Year to date"},
    "period_dates": {"kk": "{start} – {end}", "ru": "{start} – {end}", "en": "{start} – {end}"},
    "period_quarter": {"kk": "{year} жыл, {n}-тоқсан", "ru": "{year} год, {n} квартал",
                       "en": "{year}, quarter {n}"},
    "period_ytd": {"kk": "{year} жыл, жыл басынан {end} дейін",
                   "ru": "{year} год, с начала года по {end}",
                   "en": "{year}, year to date (to {end})"},
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
    "t_digitisation_issues": {"kk": "Цифрлау: тексеру керек", "ru": "Оцифровка: проверить",
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
    "s_digitisation_issues": {"kk": "Цифрлау тексеру", "ru": "Оцифровка проверка",
                              "en": "Digitisation checks"},
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


def check_lang(lang: str) -> str:
    """``lang`` lower-cased when it is kk, ru or en; else ValueError."""
    code = (lang or "").strip().lower()
    if code not in LANGS:
        raise ValueError(f"--lang {lang}: use kk, ru or en")
    return code


def t(key: str, lang: str = DEFAULT_LANG, **values) -> str:
    """The message ``key`` in ``lang`` (falling back to Kazakh), placeholders filled."""
    entry = MESSAGES[key]
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**values) if values else text


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
