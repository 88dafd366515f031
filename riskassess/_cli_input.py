"""What the command line reads from the user (case files, counts, output paths) and says.

Everything here turns a user's mistake into a :class:`CommandInputError` whose message
names the file, and, once the case id is known, the case id and the field. The command
line prints it on one line per problem and exits with code 3 (2 for a bad option value,
which argparse reports). Nothing here imports pandas, pydantic or scikit-learn at module
level, so ``riskassess --help`` stays fast.

Examples
--------
>>> read_case_json_text('{"case_id": "C-1", "person": {"nested": [1, 2]}}', "case.json")
{'case_id': 'C-1', 'person': {'nested': [1, 2]}}
>>> read_case_json_text('{"case_id": "C-1", "n": ' + "9" * 5000 + "}", "case.json")
Traceback (most recent call last):
...
riskassess._cli_input.CommandInputError: case.json: case 'C-1', field 'n': a number with 5000 ...
>>> positive_int("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected a whole number of at least 1, got '0'
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_CASE_BYTES",
    "MAX_CASE_DEPTH",
    "MAX_NUMBER_DIGITS",
    "MIN_COHORT",
    "CommandInputError",
    "at_least",
    "band_rule",
    "case_problems",
    "check_output_folder",
    "describe_problems",
    "positive_int",
    "read_case_file",
    "read_case_json_text",
    "say",
    "step",
]

#: Smallest synthetic cohort a command accepts: fewer people leave too few uncensored
#: cases of each outcome to fit, split or validate (a usage error, exit 2).
MIN_COHORT = 100
#: A case record is a few kilobytes; anything far larger is not a case file.
MAX_CASE_BYTES = 5_000_000
#: Case -> sanctions -> [i] -> field is four levels; twelve leaves room for any
#: reasonable wrapping while stopping pathological nesting before it costs anything.
MAX_CASE_DEPTH = 12
#: No field of a case is a number this long; Python itself refuses past 4,300 digits.
MAX_NUMBER_DIGITS = 30


class CommandInputError(ValueError):
    """A problem with what the user gave a command (printed as is; exit code 3).

    Kept separate from the library's exception tree because it never leaves the command
    line: :func:`riskassess.cli.main` turns it into a message and an exit code.

    Examples
    --------
    >>> str(CommandInputError("case.json: not valid JSON"))
    'case.json: not valid JSON'
    """


def at_least(minimum: int) -> Any:
    """An argparse ``type`` accepting whole numbers of at least ``minimum`` (else exit 2).

    Examples
    --------
    >>> at_least(100)("250")
    250
    >>> at_least(100)("-5")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected a whole number of at least 100, got '-5'
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected a whole number of at least {minimum}, got {text!r}")
        return value

    parse.__name__ = f"at_least_{minimum}"  # argparse names the type in some messages
    return parse


positive_int = at_least(1)


class _LongNumber:
    """A JSON number too long to be a case value; kept aside so its field can be named."""

    def __init__(self, text: str) -> None:
        self.digits = sum(ch.isdigit() for ch in text)


def _number(text: str, convert: Any) -> Any:
    # json hands us the literal text: the length check comes before int() ever runs,
    # so a 5,000-digit number costs nothing and is reported with its field
    return _LongNumber(text) if len(text) > MAX_NUMBER_DIGITS else convert(text)


def _case_id(payload: Any) -> str | None:
    if isinstance(payload, Mapping) and isinstance(payload.get("case_id"), str):
        return str(payload["case_id"])
    return None


def _where(case_id: str | None, path: Iterable[Any]) -> str:
    field = ".".join(str(p) for p in path) or "(the whole record)"
    head = f"case {case_id!r}, " if case_id is not None else ""
    return f"{head}field {field!r}"


def _check_shape(payload: Any, source: str) -> None:
    """Refuse nesting deeper than any case record and numbers longer than any case value."""
    case_id = _case_id(payload)
    # an explicit stack, not recursion: the depth is exactly what may be pathological
    stack: list[tuple[Any, tuple[Any, ...]]] = [(payload, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_CASE_DEPTH:
            raise CommandInputError(
                f"{source}: {_where(case_id, path[:MAX_CASE_DEPTH])}: nested more than "
                f"{MAX_CASE_DEPTH} levels deep; a case record is at most 4 levels deep "
                "(see `riskassess schema case`)")
        if isinstance(value, _LongNumber):
            raise CommandInputError(
                f"{source}: {_where(case_id, path)}: a number with {value.digits} digits; "
                "no case field holds a number that long")
        if isinstance(value, dict):
            stack.extend((v, (*path, k)) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))


def read_case_json_text(text: str, source: str) -> Any:
    """Parse a case file's text as JSON, refusing pathological nesting and numbers.

    Parameters
    ----------
    text : str
        The file's text.
    source : str
        How to name the file in messages.

    Returns
    -------
    object
        The parsed JSON (a dict for a case record; :class:`riskassess.cases.Case`
        checks the rest).

    Raises
    ------
    CommandInputError
        Not JSON, nested deeper than :data:`MAX_CASE_DEPTH`, or a number longer than
        :data:`MAX_NUMBER_DIGITS` digits (named by case id and field).
    """
    try:
        payload = json.loads(text, parse_int=lambda s: _number(s, int),
                             parse_float=lambda s: _number(s, float))
    except RecursionError:
        raise CommandInputError(
            f"{source}: nested too deeply to read; a case record is at most 4 levels deep "
            "(see `riskassess schema case`)") from None
    except json.JSONDecodeError as exc:
        raise CommandInputError(f"{source}: not valid JSON ({exc})") from None
    _check_shape(payload, source)
    return payload


def read_case_file(name: str, stdin: Any = None) -> Any:
    """Read and parse a case file (``-`` for standard input), with clear errors.

    Parameters
    ----------
    name : str
        Path of a case JSON file, or ``-``.
    stdin : binary file, optional
        Where ``-`` reads from (default ``sys.stdin.buffer``).

    Returns
    -------
    object
        The parsed JSON.

    Raises
    ------
    CommandInputError
        A folder, a missing or unreadable file, a binary file, text that is not UTF-8,
        a file over :data:`MAX_CASE_BYTES`, or JSON that :func:`read_case_json_text`
        refuses.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     read_case_file(folder)
    Traceback (most recent call last):
    ...
    riskassess._cli_input.CommandInputError: ...: is a folder, not a case file ...
    """
    source = "standard input" if name == "-" else name
    if name == "-":
        data = (stdin or sys.stdin.buffer).read(MAX_CASE_BYTES + 1)
    else:
        path = Path(name)
        if path.is_dir():
            raise CommandInputError(f"{name}: is a folder, not a case file (give the path "
                                    "of one case record in JSON)")
        if not path.exists():
            raise CommandInputError(f"{name}: no such file")
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_CASE_BYTES + 1)
        except OSError as exc:
            raise CommandInputError(f"{name}: cannot be read ({exc.strerror})") from None
    if len(data) > MAX_CASE_BYTES:
        raise CommandInputError(f"{source}: larger than {MAX_CASE_BYTES:,} bytes; a case "
                                "record is a few kilobytes")
    if b"\x00" in data:
        raise CommandInputError(f"{source}: a binary file, not a case record in JSON")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark from an editor is harmless
    except UnicodeDecodeError as exc:
        raise CommandInputError(
            f"{source}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start} "
            "is not valid UTF-8); save the case file as UTF-8") from None
    return read_case_json_text(text, source)


def case_problems(exc: Exception, payload: Any = None) -> list[tuple[str, str, str]]:
    """(case id, field, message) for each problem a case validation error reports.

    Works for pydantic's ``ValidationError`` and for
    :class:`riskassess.exceptions.CaseValidationError` (which carries its problems);
    pydantic's ``[type=..., input_value=...]`` details are left out.

    Examples
    --------
    >>> from riskassess.cases import Case
    >>> try:
    ...     Case.model_validate({"case_id": "C-9", "person": None})
    ... except ValueError as exc:
    ...     problems = case_problems(exc, {"case_id": "C-9"})
    >>> problems[0][:2]
    ('C-9', 'person')
    """
    given = getattr(exc, "problems", None)
    if given:
        return [(str(c), str(f), str(m)) for c, f, m in given]
    case_id = _case_id(payload) or "?"
    errors = exc.errors() if hasattr(exc, "errors") else []
    out = []
    for err in errors:
        field = ".".join(str(p) for p in err.get("loc", ())) or "(the whole record)"
        message = str(err.get("msg", err))
        # the case rules already prefix their messages with the case id and the field
        for prefix in (f"case {case_id!r}: {field}: ", f"case {case_id!r}: "):
            if message.startswith(prefix):
                message = message[len(prefix):]
        message = message.removeprefix("Value error, ")
        out.append((case_id, field, message))
    return out or [(case_id, "(the whole record)", str(exc).splitlines()[0])]


def describe_problems(problems: list[tuple[str, str, str]]) -> str:
    """One line per problem: ``case 'C-1', field 'person.sex': message``.

    Examples
    --------
    >>> print(describe_problems([("C-1", "person.sex", "expected 'male' or 'female'")]))
    invalid case record (1 problem):
      case 'C-1', field 'person.sex': expected 'male' or 'female'
    """
    lines = [f"  case {c!r}, field {f!r}: {m}" for c, f, m in problems]
    n = len(problems)
    return f"invalid case record ({n} problem{'s' if n != 1 else ''}):\n" + "\n".join(lines)


def check_output_folder(path: str | os.PathLike[str], what: str = "output") -> Path:
    """Refuse an output path whose folder does not exist, before any work is done.

    Examples
    --------
    >>> check_output_folder("/no/such/folder/model.json", "--out")
    Traceback (most recent call last):
    ...
    riskassess._cli_input.CommandInputError: --out ...: the folder /no/such/folder does not ...
    """
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise CommandInputError(f"{what} {target}: is a folder; give a file name")
    if not folder.is_dir():
        raise CommandInputError(f"{what} {target}: the folder {folder} does not exist "
                                "(create it first)")
    return target


def say(msg: str = "") -> None:
    """Print a line of a command's output at once (flushed, so pipes see it in order).

    Examples
    --------
    >>> say("done")
    done
    """
    print(msg, flush=True)


@contextmanager
def step(label: str, quiet: bool) -> Iterator[None]:
    """Show a one-line progress indicator on stderr, only when it is a terminal.

    Examples
    --------
    >>> with step("fitting", quiet=True):
    ...     pass
    """
    show = not quiet and sys.stderr.isatty()
    if show:
        print(f"… {label}", end="\r", file=sys.stderr, flush=True)
    yield
    if show:
        print(" " * (len(label) + 2), end="\r", file=sys.stderr, flush=True)


def band_rule(assessment: Any) -> str:
    """`` (below 50%; bands: low below 50%; ...)``: the band's range and every band's, so a
    band is never printed without its cut points ("" when the model records none)."""
    from riskassess.models import band_ranges

    info = assessment.model
    if info.cut_points is None or info.band_labels is None:
        return ""
    ranges = dict(band_ranges(info.cut_points, info.band_labels))
    return f" ({ranges.get(assessment.band, '')}; bands: " + "; ".join(
        f"{label} {text}" for label, text in ranges.items()) + ")"
