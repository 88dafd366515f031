"""The one exception tree of riskassess.

Every error the library raises on purpose is a :class:`RiskAssessError`, and each
subclass also derives from the builtin a caller would naturally catch::

    RiskAssessError (Exception)
    ├── CaseValidationError (ValueError)      bad case record: names case id and field path
    │                                         (``cases`` raises pydantic's ValidationError,
    │                                         which is also a ValueError)
    ├── FeatureError (ValueError)             missing / extra / mistyped model input columns
    ├── UnseenCategoryError (FeatureError)    a category the model never saw in training
    ├── UnknownPersonError (FeatureError)     a sanction row whose person is not in the
    │                                         people table (when asked to refuse them)
    ├── NotFittedError (sklearn NotFittedError) model used before ``fit``
    ├── UnsupportedModelError (TypeError)     an estimator lacking what the call needs
    ├── FormError (ValueError)                an axis, term or table that breaks its rules
    ├── ModelFileError (ValueError)           unreadable, tampered or incompatible model file
    ├── ExplanationError (ArithmeticError)    explanation does not add up to the prediction
    ├── BackgroundError (ValueError)          no background to explain against (pass one)
    ├── ExplanationInputError (ValueError)    a bad argument to reasons / plots (top=0, ...)
    ├── DecisionError (ValueError)            an officer decision that breaks the rules
    │                                         (override without reason or rationale, ...)
    │   └── DecisionTypeError (DecisionError, TypeError)  not a FinalDecision where one is needed
    ├── AuditLogError (RuntimeError)          decision log cannot be read or written
    │   ├── TamperedLogError (AuditLogError)  hash chain broken: names the first bad record
    │   └── NotADecisionLogError (AuditLogError, ValueError)  empty or foreign file/database
    ├── PartitioningError (ValueError)        distributed tables break the co-partitioning
    │                                         contract: names partition and ids
    │                                         (defined in riskassess.distributed)
    ├── DistributedArgumentError (ValueError) a bad argument to a distributed function
    │                                         (defined in riskassess.distributed)
    ├── ValidationInputError (ValueError)     bad labels / scores / groups given to validation
    ├── TimeToEventError (ValueError)         bad follow-up times / events (names case id and
    │                                         field), or a horizon beyond the follow-up seen
    ├── DatasetArgumentError (ValueError)     a bad argument to a data set generator or loader
    ├── DatasetFileError (FileNotFoundError)  a data set file (e.g. COMPAS) is not there
    ├── OffenceCodeError (ValueError)         Home Office offence code malformed, unmapped or
    │                                         UNKNOWN: names the code
    ├── OutputPathError (FileNotFoundError)   the folder of a file to write does not exist
    ├── TransparencyError (ValueError)        a transparency record or explanation pack that
    │                                         cannot be built: lists every missing field
    └── MissingExtraError (ImportError)       an optional package is not installed: names
                                              the extra to install (riskassess[testing])

Warnings (``RiskAssessError`` and ``UserWarning``): InstrumentWarning, where a published
instrument behaves oddly (e.g. HMPPS's ARP score 0.00), and its subclass
MissingDynamicInputWarning (an instrument fell back to its static form; names the missing
need items); InSampleValidationWarning (a model validated on the rows it was fitted on).

Messages say what was expected, what was got, and, where there is one, the case id and
the field.

Examples
--------
>>> from riskassess.exceptions import FeatureError, RiskAssessError
>>> issubclass(FeatureError, ValueError) and issubclass(FeatureError, RiskAssessError)
True
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "AuditLogError",
    "BackgroundError",
    "CaseValidationError",
    "DatasetArgumentError",
    "DatasetFileError",
    "DecisionError",
    "DecisionTypeError",
    "ExplanationError",
    "ExplanationInputError",
    "FeatureError",
    "FormError",
    "InSampleValidationWarning",
    "InstrumentWarning",
    "MissingDynamicInputWarning",
    "MissingExtraError",
    "ModelFileError",
    "NotADecisionLogError",
    "NotFittedError",
    "OffenceCodeError",
    "OutputPathError",
    "RiskAssessError",
    "TamperedLogError",
    "TimeToEventError",
    "TransparencyError",
    "UnknownPersonError",
    "UnseenCategoryError",
    "UnsupportedModelError",
    "ValidationInputError",
]


class RiskAssessError(Exception):
    """Base class of every error riskassess raises on purpose.

    Examples
    --------
    >>> try:
    ...     raise DecisionError("case 'C-1': override needs a reason")
    ... except RiskAssessError as exc:
    ...     print(type(exc).__name__, exc)
    DecisionError case 'C-1': override needs a reason
    """


class CaseValidationError(RiskAssessError, ValueError):
    """A case record (or a row of a case table) breaks a validity rule.

    Parameters
    ----------
    problems : list of (case_id, field, message)
        Every problem found, not only the first.

    Examples
    --------
    >>> err = CaseValidationError([("C-1", "person.date_of_birth", "date is in the future")])
    >>> print(err)
    1 invalid case value(s):
      case 'C-1', field 'person.date_of_birth': date is in the future
    >>> isinstance(err, ValueError), err.problems[0][1]
    (True, 'person.date_of_birth')
    """

    def __init__(self, problems: list[tuple[str, str, str]]) -> None:
        self.problems = list(problems)
        lines = [f"case {cid!r}, field {field!r}: {msg}" for cid, field, msg in self.problems]
        head = f"{len(self.problems)} invalid case value(s)"
        super().__init__(head + ":\n  " + "\n  ".join(lines) if lines else head)


class FeatureError(RiskAssessError, ValueError):
    """Model input columns are missing, unexpected or of the wrong type.

    Examples
    --------
    >>> try:
    ...     raise FeatureError("missing column 'age'")
    ... except ValueError as exc:
    ...     print(exc)
    missing column 'age'
    """


class UnseenCategoryError(FeatureError):
    """A categorical value at predict time that the model never saw when fitted.

    Examples
    --------
    >>> issubclass(UnseenCategoryError, FeatureError), issubclass(UnseenCategoryError, ValueError)
    (True, True)
    """


class UnknownPersonError(FeatureError):
    """A sanction row names a person the people table does not hold.

    Raised by :func:`riskassess.features.build_features_from_tables` with
    ``unknown_people="raise"``.

    Examples
    --------
    >>> issubclass(UnknownPersonError, FeatureError), issubclass(UnknownPersonError, ValueError)
    (True, True)
    """


class NotFittedError(RiskAssessError, _SklearnNotFittedError):
    """An estimator was used before it was fitted.

    Also a :class:`sklearn.exceptions.NotFittedError`, so code written for sklearn
    catches it.

    Examples
    --------
    >>> from sklearn.exceptions import NotFittedError as SklearnNotFittedError
    >>> try:
    ...     raise NotFittedError("call fit first")
    ... except SklearnNotFittedError as exc:
    ...     print(exc, isinstance(exc, (ValueError, AttributeError)))
    call fit first True
    """


class ModelFileError(RiskAssessError, ValueError):
    """A saved model file is unreadable, tampered with, or from an incompatible version.

    Examples
    --------
    >>> issubclass(ModelFileError, ValueError)
    True
    """


class ExplanationError(RiskAssessError, ArithmeticError):
    """An explanation does not add up to the model's own prediction.

    Examples
    --------
    >>> try:
    ...     raise ExplanationError("contributions sum to 0.41, prediction is 0.40")
    ... except ArithmeticError as exc:
    ...     print(exc)
    contributions sum to 0.41, prediction is 0.40
    """


class BackgroundError(RiskAssessError, ValueError):
    """No usable background distribution to explain against (OGRS3 has no training data).

    Examples
    --------
    >>> issubclass(BackgroundError, ValueError)
    True
    """


class DecisionError(RiskAssessError, ValueError):
    """An officer's decision breaks a rule (for example an override without a reason).

    Examples
    --------
    >>> from riskassess.decisions import check_rationale
    >>> try:
    ...     check_rationale("n/a", case_id="C-7")
    ... except ValueError as exc:
    ...     print(type(exc).__name__, str(exc)[:40])
    DecisionError case 'C-7': rationale needs at least 20
    """


class AuditLogError(RiskAssessError, RuntimeError):
    """The decision log cannot be opened, read or appended to.

    Examples
    --------
    >>> try:
    ...     raise AuditLogError("log 'decisions.jsonl' is locked by another writer")
    ... except RuntimeError as exc:
    ...     print(type(exc).__name__)
    AuditLogError
    """


class TamperedLogError(AuditLogError):
    """The decision log's hash chain is broken.

    Parameters
    ----------
    message : str
        What is wrong.
    sequence : int or None
        The sequence number of the first record found to be bad.

    Examples
    --------
    >>> try:
    ...     raise TamperedLogError("record 3: hash does not match its content", sequence=3)
    ... except AuditLogError as exc:
    ...     print(exc.sequence, isinstance(exc, RuntimeError))
    3 True
    """

    def __init__(self, message: str, sequence: int | None = None) -> None:
        self.sequence = sequence
        super().__init__(message)


class ValidationInputError(RiskAssessError, ValueError):
    """Labels, scores or groups given to validation are not usable.

    Examples
    --------
    >>> issubclass(ValidationInputError, ValueError)
    True
    """


class UnsupportedModelError(RiskAssessError, TypeError):
    """The estimator lacks what the call needs (e.g. ``predict_band`` for ``assess``).

    Examples
    --------
    >>> issubclass(UnsupportedModelError, TypeError)
    True
    """


class NotADecisionLogError(AuditLogError, ValueError):
    """The file or database given as a decision log is not one (empty, or foreign).

    Raised before anything is written: an empty file, an SQLite file with other tables, or
    a file that is not SQLite at all is left exactly as it was (the command line exits 3).

    Examples
    --------
    >>> issubclass(NotADecisionLogError, AuditLogError)
    True
    >>> issubclass(NotADecisionLogError, ValueError)
    True
    """


class DecisionTypeError(DecisionError, TypeError):
    """An object that is not a FinalDecision was given where one is needed (the decision log).

    Examples
    --------
    >>> issubclass(DecisionTypeError, DecisionError), issubclass(DecisionTypeError, TypeError)
    (True, True)
    """


class FormError(RiskAssessError, ValueError):
    """An additive form's axis, term or table breaks its rules (thresholds not
    increasing, a table of the wrong shape, non-finite entries, duplicate names...).

    Examples
    --------
    >>> from riskassess.models import NumericAxis
    >>> NumericAxis("age", (30.0, 20.0))
    Traceback (most recent call last):
    ...
    riskassess.exceptions.FormError: thresholds of 'age' must be finite and increasing
    """


class ExplanationInputError(RiskAssessError, ValueError):
    """A bad argument to an explanation helper (reasons, plots): e.g. ``top=0``.

    Examples
    --------
    >>> issubclass(ExplanationInputError, ValueError)
    True
    """


class OffenceCodeError(RiskAssessError, ValueError):
    """A Home Office offence code that is malformed, unmapped or mapped to ``UNKNOWN``.

    Parameters
    ----------
    message : str
        What is wrong; always names the code.
    code : object
        The code as given.

    Examples
    --------
    >>> err = OffenceCodeError("offence code '1234' is not 5 digits", code="1234")
    >>> err.code, isinstance(err, ValueError)
    ('1234', True)
    """

    def __init__(self, message: str, code: object = None) -> None:
        self.code = code
        super().__init__(message)


class InstrumentWarning(RiskAssessError, UserWarning):
    """A published instrument behaves as published but oddly for these inputs.

    A warning (``warnings.warn``), also a :class:`RiskAssessError` so that one
    ``except``/filter on the library's base class covers it.

    Examples
    --------
    >>> issubclass(InstrumentWarning, UserWarning)
    True
    """


class MissingDynamicInputWarning(InstrumentWarning):
    """An instrument scored its static form because dynamic (need) items are missing.

    HMPPS's service reports this as ``MISSING_DYNAMIC_INPUT``; the message names the items.

    Examples
    --------
    >>> issubclass(MissingDynamicInputWarning, UserWarning)
    True
    """


class OutputPathError(RiskAssessError, FileNotFoundError):
    """The folder a report, model, card or log export should be written to does not exist.

    The message names the folder and the file (never a temporary file name).

    Examples
    --------
    >>> err = OutputPathError("cannot write report.html: the folder out does not exist")
    >>> isinstance(err, FileNotFoundError), str(err)
    (True, 'cannot write report.html: the folder out does not exist')
    """


class MissingExtraError(RiskAssessError, ImportError):
    """An optional package a feature needs is not installed; names the extra to install.

    Examples
    --------
    >>> err = MissingExtraError('riskassess.testing needs hypothesis: '
    ...                         'pip install "riskassess[testing]"')
    >>> isinstance(err, ImportError), "riskassess[testing]" in str(err)
    (True, True)
    """


class DatasetArgumentError(RiskAssessError, ValueError):
    """A bad argument to a data set generator or loader (e.g. ``make_cohort(-1)``).

    Examples
    --------
    >>> issubclass(DatasetArgumentError, ValueError)
    True
    """


class DatasetFileError(RiskAssessError, FileNotFoundError):
    """A data set file to read (e.g. the ProPublica COMPAS CSV) is not there.

    Examples
    --------
    >>> issubclass(DatasetFileError, FileNotFoundError)
    True
    """


class TransparencyError(RiskAssessError, ValueError):
    """A transparency record, explanation pack or impact assessment cannot be built.

    Parameters
    ----------
    message : str
        What is wrong; for a record with required fields missing, every missing field.
    missing : tuple of str
        The missing fields (empty when the error is about something else).

    Examples
    --------
    >>> err = TransparencyError("2 required fields missing: name, contact_email",
    ...                         missing=("name", "contact_email"))
    >>> err.missing, isinstance(err, ValueError)
    (('name', 'contact_email'), True)
    """

    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        self.missing = tuple(missing)
        super().__init__(message)


class TimeToEventError(RiskAssessError, ValueError):
    """Bad time-to-event outcomes (a zero or negative time, an event after the end of
    follow-up, times that look like years, a missing field: the message names the case
    id and the field), or a horizon beyond the longest follow-up seen in training.

    Examples
    --------
    >>> issubclass(TimeToEventError, ValueError)
    True
    """


class InSampleValidationWarning(RiskAssessError, UserWarning):
    """A model is being validated on the rows it was fitted on (accuracy overstated).

    :func:`riskassess.validation.validate` warns with the estimated share of such rows.

    Examples
    --------
    >>> issubclass(InSampleValidationWarning, UserWarning)
    True
    """
