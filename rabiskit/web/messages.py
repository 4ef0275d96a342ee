"""The web page's message catalogue: every word ``rabiskit serve`` shows, in kk / ru / en.

Kazakh is the default.  ``t(key, lang, **values)`` looks a key up here, else in the
report's catalogue (:mod:`rabiskit.report.messages`: the words the report and the page
share, "Plan", "Year", "Year to date", are written once, there), and fills its
``{placeholders}``.
"""

from __future__ import annotations

from rabiskit.report import messages as report_messages

LANGS = report_messages.LANGS
DEFAULT_LANG = report_messages.DEFAULT_LANG
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

MESSAGES: dict[str, dict[str, str]] = {
    "app_title": {"kk": "rabiskit: каталог статистикасы", "ru": "rabiskit: статистика каталога",
                  "en": "rabiskit: catalogue statistics"},
    "nav_report": {"kk": "Есеп", "ru": "Отчёт", "en": "Report"},
    "nav_ledger": {"kk": "Жылдық есепке алу кітабы", "ru": "Журнал года", "en": "The year's ledger"},
    "language": {"kk": "Тіл", "ru": "Язык", "en": "Language"},
    "exports": {"kk": "Каталог экспорт файлдары (ISO 2709, MARCXML)",
                "ru": "Файлы выгрузки каталога (ISO 2709, MARCXML)",
                "en": "Catalogue export files (ISO 2709, MARCXML)"},
    "drop_here": {"kk": "Файлдарды осында сүйреп әкеліңіз немесе таңдаңыз (бірнеше файл болады)",
                  "ru": "Перетащите файлы сюда или выберите их (можно несколько)",
                  "en": "Drop the files here or choose them (several at once)"},
    "db_of_file": {"kk": "Файл бір дерекқор ба?", "ru": "Файл — одна база данных?",
                   "en": "Is the file one database?"},
    "db_none": {"kk": "жоқ: деңгейді ережелер анықтайды",
                "ru": "нет: уровень определяют правила",
                "en": "no: the rules decide each record's level"},
    "db_help": {"kk": "RABIS әр дерекқорды бөлек файлға шығарады: мысалы, өлкетану дерекқорының файлы.",
                "ru": "RABIS выгружает каждую базу отдельным файлом: например, файл краеведческой базы.",
                "en": "RABIS exports one database per file: e.g. the local-lore database's file."},
    "plan_choice": {"kk": "Жоспар", "ru": "План", "en": "Plan"},
    "plan_file": {"kk": "немесе жоспар файлы (TOML)", "ru": "или файл плана (TOML)",
                  "en": "or a plan file (TOML)"},
    "quarter_field": {"kk": "Тоқсан", "ru": "Квартал", "en": "Quarter"},
    "submit_report": {"kk": "Есепті жасау", "ru": "Составить отчёт", "en": "Make the report"},
    "uploading": {"kk": "Файлдар жіберілуде…", "ru": "Файлы отправляются…",
                  "en": "Sending the files…"},
    "working": {"kk": "Жұмыс жүріп жатыр…", "ru": "Идёт работа…", "en": "Working…"},
    "progress": {"kk": "{done} / {total} МБ оқылды", "ru": "прочитано {done} из {total} МБ",
                 "en": "{done} of {total} MB read"},
    "phase_report": {"kk": "есеп", "ru": "отчёт", "en": "report"},
    "phase_audit": {"kk": "тексеру", "ru": "проверка", "en": "audit"},
    "phase_count": {"kk": "санау", "ru": "подсчёт", "en": "count"},
    "phase_import": {"kk": "импорт", "ru": "импорт", "en": "import"},
    "job_failed": {"kk": "Жұмыс орындалмады", "ru": "Работа не выполнена", "en": "The work failed"},
    "job_gone": {"kk": "Бұл жұмыс табылмады (сервер қайта іске қосылған болуы мүмкін).",
                 "ru": "Эта работа не найдена (возможно, сервер перезапускался).",
                 "en": "This work is not known (the server may have been restarted)."},
    "downloads": {"kk": "Жүктеп алу", "ru": "Скачать", "en": "Download"},
    "report_as": {"kk": "Есеп", "ru": "Отчёт", "en": "The report"},
    "audit_as": {"kk": "Тексеру нәтижесі", "ru": "Результат проверки", "en": "The audit"},
    "t_audit": {"kk": "Жазбаларды тексеру: түзету керек", "ru": "Проверка записей: что исправить",
                "en": "Audit of the records: what to fix"},
    "audit_kind": {"kk": "Түрі", "ru": "Вид", "en": "Kind"},
    "audit_count": {"kk": "Саны", "ru": "Число", "en": "Findings"},
    "audit_where": {"kk": "Қай жерде", "ru": "Где", "en": "Where"},
    "audit_evidence": {"kk": "Белгісі", "ru": "Признак", "en": "Evidence"},
    "audit_none": {"kk": "Ескерту жоқ.", "ru": "Замечаний нет.", "en": "No findings."},
    "audit_more": {"kk": "… тағы {n} (толық тізім XLSX файлында)",
                   "ru": "… и ещё {n} (полный список в файле XLSX)",
                   "en": "… and {n} more (the XLSX file has the whole list)"},
    "where_record": {"kk": "{file}, {record}-жазба, {offset}-байт",
                     "ru": "{file}, запись {record}, байт {offset}",
                     "en": "{file}, record {record}, byte {offset}"},
    "t_operators": {"kk": "Операторлар", "ru": "Операторы", "en": "Operators"},
    "operator": {"kk": "Оператор", "ru": "Оператор", "en": "Operator"},
    "new_report": {"kk": "Жаңа есеп", "ru": "Новый отчёт", "en": "A new report"},
    "ledger_intro": {"kk": "Әр тоқсанның экспортын осында импорттаңыз: жыл басынан бергі көрсеткіштер барлық импорттан жиналады, жабылған тоқсандар сол күйінде қалады.",
                     "ru": "Импортируйте сюда выгрузку каждого квартала: показатели с начала года собираются из всех импортов, закрытые кварталы остаются как были сданы.",
                     "en": "Import each quarter's export here: the year so far is gathered across the imports, closed quarters stay as they were handed in."},
    "ledger_file": {"kk": "Кітап файлы", "ru": "Файл журнала", "en": "Ledger file"},
    "ledger_empty": {"kk": "Кітапта әлі жазба жоқ: алғашқы экспортты импорттаңыз.",
                     "ru": "В журнале пока нет записей: импортируйте первую выгрузку.",
                     "en": "The ledger holds no records yet: import the first export."},
    "ledger_import": {"kk": "Экспортты кітапқа импорттау", "ru": "Импортировать выгрузку в журнал",
                      "en": "Import an export into the ledger"},
    "ledger_database": {"kk": "Каталог атауы", "ru": "Название каталога", "en": "Catalogue name"},
    "submit_import": {"kk": "Импорттау", "ru": "Импортировать", "en": "Import"},
    "t_imports": {"kk": "Импорттар", "ru": "Импорты", "en": "Imports"},
    "t_databases": {"kk": "Дерекқорлар бойынша жазбалар", "ru": "Записи по базам данных",
                    "en": "Records per database"},
    "t_closed": {"kk": "Жабылған тоқсандар", "ru": "Закрытые кварталы", "en": "Closed quarters"},
    "closed_none": {"kk": "Жабылған тоқсан жоқ.", "ru": "Закрытых кварталов нет.",
                    "en": "No quarter is closed."},
    "close_quarter": {"kk": "Тоқсанды жабу (көрсеткіштерді бекіту)",
                      "ru": "Закрыть квартал (зафиксировать показатели)",
                      "en": "Close a quarter (freeze its numbers)"},
    "submit_close": {"kk": "Жабу", "ru": "Закрыть", "en": "Close"},
    "closed_done": {"kk": "{period} жабылды: {total} жазба, оның ішінде қазақ тілінде {kazakh}.",
                    "ru": "{period} закрыт: {total} записей, из них на казахском {kazakh}.",
                    "en": "{period} closed: {total} record(s), {kazakh} in Kazakh."},
    "imported_done": {"kk": "{id}-импорт: {records} жазба оқылды; {added} қосылды, {changed} өзгерді, {deleted} жойылды, {unchanged} өзгермеген.",
                      "ru": "Импорт {id}: прочитано {records} записей; добавлено {added}, изменено {changed}, удалено {deleted}, без изменений {unchanged}.",
                      "en": "Import {id}: {records} record(s) read; {added} added, {changed} changed, {deleted} deleted, {unchanged} unchanged."},
    "corrections_since": {"kk": "Кейінгі түзетулер", "ru": "Исправлений после закрытия",
                          "en": "Corrections since"},
    "year_so_far": {"kk": "Жыл басынан бері (кітап бойынша)", "ru": "С начала года (по журналу)",
                    "en": "The year so far (from the ledger)"},
    "show_year": {"kk": "Көрсету", "ru": "Показать", "en": "Show"},
    "c_id": {"kk": "№", "ru": "№", "en": "#"},
    "c_finished": {"kk": "Аяқталды", "ru": "Завершён", "en": "Finished"},
    "c_files": {"kk": "Файлдар", "ru": "Файлы", "en": "Files"},
    "c_read": {"kk": "Оқылды", "ru": "Прочитано", "en": "Read"},
    "c_added": {"kk": "Қосылды", "ru": "Добавлено", "en": "Added"},
    "c_changed": {"kk": "Өзгерді", "ru": "Изменено", "en": "Changed"},
    "c_deleted": {"kk": "Жойылды", "ru": "Удалено", "en": "Deleted"},
    "c_live": {"kk": "Есептеледі", "ru": "Учитывается", "en": "Counted"},
    "c_kazakh": {"kk": "Қазақ тілінде", "ru": "На казахском", "en": "In Kazakh"},
    "c_newest": {"kk": "Соңғы енгізу күні", "ru": "Последняя дата ввода", "en": "Newest date entered"},
    "c_closed_at": {"kk": "Жабылған уақыты", "ru": "Когда закрыт", "en": "Closed at"},
    # -- errors -------------------------------------------------------------------------
    "e_unauthorised": {"kk": "Рұқсат жоқ. 'rabiskit serve' басып шығарған мекенжайды (token бар) ашыңыз.",
                       "ru": "Нет доступа. Откройте адрес, который напечатала команда 'rabiskit serve' (с token).",
                       "en": "Not allowed. Open the address 'rabiskit serve' printed (the one with the token)."},
    "e_origin": {"kk": "Сұрау басқа сайттан келді: қабылданбайды.",
                 "ru": "Запрос пришёл с другого сайта: отклонён.",
                 "en": "The request came from another site: refused."},
    "e_csrf": {"kk": "Форманың мерзімі өтті немесе ол басқа беттен жіберілді: бетті жаңартып, қайталаңыз.",
               "ru": "Форма устарела или отправлена с другой страницы: обновите страницу и повторите.",
               "en": "The form is stale or came from another page: reload the page and try again."},
    "e_too_large": {"kk": "Жүктелген файлдар тым үлкен: шегі {limit} МБ ('rabiskit serve --max-upload МБ' өзгертеді).",
                    "ru": "Загружаемые файлы слишком велики: предел {limit} МБ (меняется параметром 'rabiskit serve --max-upload МБ').",
                    "en": "The upload is too large: the limit is {limit} MB ('rabiskit serve --max-upload MB' changes it)."},
    "e_no_files": {"kk": "Экспорт файлын таңдаңыз.", "ru": "Выберите файл выгрузки.",
                   "en": "Choose an export file."},
    "e_bad_form": {"kk": "Форма дұрыс емес: {detail}", "ru": "Неверная форма: {detail}",
                   "en": "Bad form: {detail}"},
    "e_not_found": {"kk": "Бет табылмады.", "ru": "Страница не найдена.", "en": "No such page."},
    "e_host": {"kk": "Бұл мекенжай арқылы кіруге болмайды.", "ru": "По этому адресу доступ запрещён.",
               "en": "Not reachable under this address."},
    "back": {"kk": "Артқа", "ru": "Назад", "en": "Back"},
    "login_title": {"kk": "Кіру", "ru": "Вход", "en": "Sign in"},
    "password": {"kk": "Құпиясөз", "ru": "Пароль", "en": "Password"},
    "e_password": {"kk": "Құпиясөз қате.", "ru": "Неверный пароль.", "en": "Wrong password."},
}


def t(key: str, lang: str = DEFAULT_LANG, **values) -> str:
    """The page's message ``key`` in ``lang`` (falling back to Kazakh; keys not here come
    from the report's catalogue), placeholders filled."""
    entry = MESSAGES.get(key)
    if entry is None:
        return report_messages.t(key, lang, **values)
    text = entry.get(lang) or entry[DEFAULT_LANG]
    return text.format(**values) if values else text


def page_lang(lang: str | None) -> str:
    """``lang`` when it is kk, ru or en, else the default (Kazakh)."""
    code = (lang or "").strip().lower()
    return code if code in LANGS else DEFAULT_LANG
