"""The command line in the user's language: ``--help`` pages, usage errors, ``--lang``.

typer (0.2x ships its own copy of click, without gettext) writes its help pages and
usage errors in English.  Here:

* :class:`LocalisedCommand` and :class:`LocalisedGroup` write the help page themselves:
  "Usage", "Arguments", "Options", "Commands", every help text and metavar go through the
  catalogue (``rabiskit.i18n``), placeholders are the words given as ``metavar=`` (FILE,
  YEAR, PLAN), never typer's ``<list[Path]>``;
* :func:`usage_error_line` turns typer's usage errors (no such option, missing argument, an
  invalid value, with pydantic's reason) into one line in the chosen language;
* :meth:`LocalisedGroup.main` takes ``--lang`` from anywhere on the command line (before or
  after the command; left in place for a command that has its own ``--lang``, such as
  ``report``), sets the language, and prints errors as one plain line, exit code 2, no box.

``rabiskit.cli.main.make_app`` gives every command these classes.
"""

from __future__ import annotations

import sys
from typing import Any, Sequence

import typer
import typer.core
from typer import _click
from typer._click import _textwrap  # noqa: F401  (imported for the setting below)
from typer._click.utils import make_default_short_help

from rabiskit.cli.argv import LANG_OPTION, LangError, take_lang  # noqa: F401 (also from here)
from rabiskit.i18n import LanguageError, N_, _, set_language, translate_text

# typer's own words (its core module calls gettext for them): through our catalogue
typer.core._ = translate_text  # type: ignore[attr-defined]
# help texts wrap at spaces only: "utf-8", "marc-8", "in-memory", "Э-кітап" stay whole
_click._textwrap.TextWrapper.wordsep_re = _click._textwrap.TextWrapper.wordsep_simple_re
TYPER_TEXTS = (N_("Missing command."), N_("No such command {name!r}."), N_("Aborted!"),
               N_("Show this message and exit."))


# ---- help pages -------------------------------------------------------------------------

def _metavar(param: Any) -> str:
    if param.metavar:
        return translate_text(param.metavar)
    if param.param_type_name == "argument":
        return (param.name or "").upper()
    return _("VALUE")


def _argument_name(param: Any) -> str:
    name = _metavar(param)
    return f"{name}..." if param.nargs != 1 else name


def _option_names(param: Any) -> str:
    names = ", ".join(sorted(param.opts, key=lambda o: (o.startswith("--"), o)))
    if param.secondary_opts:
        names += " / " + ", ".join(param.secondary_opts)
    if not (param.is_flag or param.count):
        names += " " + _metavar(param)
        if param.nargs == -1:
            names += "..."
    return names


def _extras(param: Any) -> list[str]:
    out = []
    default = getattr(param, "default", None)
    if (param.param_type_name == "option" and param.show_default is not False
            and not getattr(param, "is_flag", False)
            and isinstance(default, (str, int, float)) and not isinstance(default, bool)
            and default != ""):
        out.append(_("default: {default}").format(default=default))
    if param.required:
        out.append(_("required"))
    return out


def _help_of(param: Any) -> str:
    text = translate_text(param.help or "")
    extras = _extras(param)
    if extras:
        text = f"{text}  [{'; '.join(extras)}]" if text else f"[{'; '.join(extras)}]"
    return text


def _usage(command: _click.Command, ctx: _click.Context, formatter) -> None:
    pieces = [_("[OPTIONS]")]
    for p in command.get_params(ctx):
        if p.param_type_name == "argument" and not p.hidden:
            name = _argument_name(p)
            pieces.append(name if p.required else f"[{name}]")
    if isinstance(command, typer.core.TyperGroup):
        pieces += [_("COMMAND"), _("[ARGS]...")]
    formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_("Usage: "))


def command_help(command: _click.Command) -> str:
    """The command's help text (its docstring or ``help=``) in the current language."""
    text = translate_text(command.help or "")
    return text.partition("\f")[0]


def short_help(command: _click.Command, limit: int = 45) -> str:
    if command.short_help:
        return translate_text(command.short_help)
    return make_default_short_help(command_help(command), limit)


def write_help(command: _click.Command, ctx: _click.Context, formatter) -> None:
    """The whole help page of ``command``, in the current language."""
    _usage(command, ctx, formatter)
    text = command_help(command)
    if text:
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(text)
    arguments, options = [], []
    for p in command.get_params(ctx):
        if p.hidden:
            continue
        if p.param_type_name == "argument":
            arguments.append((_argument_name(p), _help_of(p)))
        else:
            options.append((_option_names(p), _help_of(p)))
    if arguments:
        with formatter.section(_("Arguments")):
            formatter.write_dl(arguments)
    if options:
        with formatter.section(_("Options")):
            formatter.write_dl(options)
    if isinstance(command, typer.core.TyperGroup):
        rows = []
        names = [n for n in command.list_commands(ctx)
                 if command.commands.get(n) is not None and not command.commands[n].hidden]
        if names:
            limit = formatter.width - 6 - max(len(n) for n in names)
            rows = [(n, short_help(command.commands[n], limit)) for n in names]
            with formatter.section(_("Commands")):
                formatter.write_dl(rows)
    if command.epilog:
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(translate_text(command.epilog))


class LocalisedCommand(typer.core.TyperCommand):
    """A command whose help page is in the user's language, and whose str, int, bool and
    Path values are converted without pydantic (``rabiskit.cli.coercion``: its import is
    a good part of a small run's start-up)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from rabiskit.cli.coercion import install

        install(self.params)

    def get_help_option(self, ctx):
        from rabiskit.cli.coercion import install

        option = super().get_help_option(ctx)
        install([option] if option is not None else [])
        return option

    def format_help(self, ctx, formatter) -> None:
        write_help(self, ctx, formatter)

    def format_usage(self, ctx, formatter) -> None:
        _usage(self, ctx, formatter)


# ---- usage errors -----------------------------------------------------------------------

def _param_hint(param: Any) -> str:
    if param is None:
        return ""
    if param.param_type_name == "argument":
        return _argument_name(param)
    return " / ".join(param.opts)


def _pydantic_reason(exc: BaseException) -> str | None:
    """Why pydantic refused a value (typer validates with it), in words."""
    errors = getattr(exc, "errors", None)
    if errors is None:
        return None
    try:
        first = errors()[0]
    except (IndexError, TypeError):
        return None
    kind, ctx, value = first.get("type", ""), first.get("ctx") or {}, first.get("input")
    if kind in ("less_than_equal", "less_than"):
        return _("{value} is more than {limit}").format(value=value, limit=ctx.get("le", ctx.get("lt")))
    if kind in ("greater_than_equal", "greater_than"):
        return _("{value} is less than {limit}").format(value=value, limit=ctx.get("ge", ctx.get("gt")))
    if kind.startswith("int_"):
        return _("{value} is not a whole number").format(value=value)
    if kind.startswith("float_"):
        return _("{value} is not a number").format(value=value)
    if kind.startswith("bool_"):
        return _("{value} is not yes or no").format(value=value)
    if kind in ("literal_error", "enum"):
        return _("{value}: use {choices}").format(value=value, choices=ctx.get("expected", ""))
    return _("{value} is not a valid value").format(value=value)


def _bad_parameter_reason(e: _click.exceptions.BadParameter) -> str:
    cause = e.__cause__
    reason = _pydantic_reason(cause) if cause is not None else None
    if reason:
        return reason
    msg = e.message or ""
    import re

    m = re.match(r"^\w+ '(.*)' (does not exist|is a file|is a directory|is not readable|"
                 r"is not writable)\.$", msg)
    if m:
        what = {"does not exist": N_("{path}: not found"),
                "is a file": N_("{path}: is a file, not a folder"),
                "is a directory": N_("{path}: is a folder; give a file"),
                "is not readable": N_("{path}: cannot be read"),
                "is not writable": N_("{path}: cannot be written")}[m.group(2)]
        return _(what).format(path=m.group(1))
    m = re.match(r"^Value (.*) is not a valid .*\.$", msg)
    if m:
        return _("{value} is not a valid value").format(value=m.group(1))
    return translate_text(msg)


def usage_message(e: _click.exceptions.UsageError) -> str:
    """What is wrong with the command line, in the current language (no command path)."""
    import re

    exc = _click.exceptions
    if isinstance(e, exc.NoSuchOption):
        text = _("no such option: {option}").format(option=e.option_name)
        if e.possibilities:
            text += " " + _("(did you mean {options}?)").format(
                options=", ".join(sorted(e.possibilities)))
        return text
    if isinstance(e, exc.MissingParameter):
        hint = _param_hint(e.param)
        kind = e.param_type or (e.param.param_type_name if e.param is not None else "")
        if kind == "argument":
            return _("missing argument {name}").format(name=hint)
        return _("missing option {name}").format(name=hint)
    if isinstance(e, exc.BadParameter):
        hint = _param_hint(e.param) if e.param is not None else (
            exc._join_param_hints(e.param_hint) or "")
        reason = _bad_parameter_reason(e)
        if hint:
            return _("invalid value for {option}: {reason}").format(option=hint, reason=reason)
        return _("invalid value: {reason}").format(reason=reason)
    msg = e.message or ""
    if isinstance(e, exc.BadOptionUsage):
        name = e.option_name
        if "does not take a value" in msg:
            return _("the option {option} takes no value").format(option=name)
        m = re.search(r"requires (\d+) arguments", msg)
        if m:
            return _("the option {option} needs {n} values").format(option=name, n=m.group(1))
        return _("the option {option} needs a value").format(option=name)
    if isinstance(e, exc.BadArgumentUsage):
        m = re.match(r"^Argument '?(.*?)'? takes (\d+) values\.$", msg)
        if m:
            return _("{argument} takes {n} values").format(argument=m.group(1).upper(),
                                                           n=m.group(2))
    m = re.match(r"^Got unexpected extra arguments? \((.*)\)$", msg)
    if m:
        return _("unexpected extra arguments: {args}").format(args=m.group(1))
    return translate_text(msg)


def usage_error_line(e: _click.exceptions.UsageError, path: str = "rabiskit") -> str:
    """One line: the command (``path`` when the error does not know it), what is wrong,
    where to read more."""
    path = e.ctx.command_path if e.ctx is not None else path
    return _("{command}: {error} (see: {command} --help)").format(
        command=path, error=usage_message(e))


class LocalisedGroup(typer.core.TyperGroup):
    """The ``rabiskit`` group: ``--lang`` anywhere, help pages and errors in the language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from rabiskit.cli.coercion import install

        install(self.params)  # --version, --lang converted without pydantic (start-up time)

    def get_help_option(self, ctx):
        from rabiskit.cli.coercion import install

        option = super().get_help_option(ctx)
        install([option] if option is not None else [])
        return option

    def format_help(self, ctx, formatter) -> None:
        write_help(self, ctx, formatter)

    def format_usage(self, ctx, formatter) -> None:
        _usage(self, ctx, formatter)

    def _keeps_lang(self, name: str) -> bool:
        cmd = self.commands.get(name)
        return cmd is not None and any(LANG_OPTION in p.opts for p in cmd.params
                                       if p.param_type_name == "option")

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        args = list(sys.argv[1:] if args is None else args)
        try:
            lang, args = take_lang(args, self._keeps_lang)
            set_language(lang)
        except (LangError, LanguageError) as e:
            return _leave(f"rabiskit: {e}", 2, standalone_mode, e)
        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                              standalone_mode=False, **extra)
        except _click.exceptions.UsageError as e:
            path = prog_name or _click.utils._detect_program_name()
            command = next((a for a in args if not a.startswith("-")), None)
            if command in self.commands:
                path = f"{path} {command}"
            return _leave(usage_error_line(e, path), e.exit_code, standalone_mode, e)
        except _click.exceptions.ClickException as e:
            return _leave(f"rabiskit: {translate_text(e.format_message())}", e.exit_code,
                          standalone_mode, e)
        except typer.Abort as e:
            return _leave(_("Aborted!"), 1, standalone_mode, e)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv


def _leave(line: str, code: int, standalone_mode: bool, exc: BaseException):
    if not standalone_mode:
        raise exc
    sys.stderr.write(line + "\n")
    sys.stderr.flush()
    sys.exit(code)


def _unset(value) -> bool:
    return (value is None or value is typer.core.TyperGroup
            or isinstance(value, typer.models.DefaultPlaceholder))


def localise(app: typer.Typer) -> typer.Typer:
    """Give ``app``'s commands and sub-groups (``add_typer``) the localised classes; a
    command or group that names its own class keeps it (derive it from ours)."""
    for info in app.registered_commands:
        if info.cls is None or info.cls is typer.core.TyperCommand:  # typer's default
            info.cls = LocalisedCommand
    for group in app.registered_groups:
        sub = group.typer_instance
        if _unset(group.cls) and (sub is None or _unset(sub.info.cls)):
            group.cls = LocalisedGroup
        if sub is not None:
            localise(sub)
    return app
