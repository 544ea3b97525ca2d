"""Messages shown to students, as constants the tests import instead of retyping."""

import re as _re
import unicodedata as _unicodedata

NOT_IMPLEMENTED = "not implemented yet (the function raises NotImplementedError)"
USED_AUTODIFF = ("{function}() must compute the gradient by hand with the chain rule, but it used "
                 "automatic differentiation ({what}); no credit for this check")
NO_FILE = "no file named {exercise}.py or {exercise}.ipynb was submitted"
NO_RESULT = "the grader produced no result for {source}: each of its checks scores 0 (please report it)"
MISSING_FUNCTION = "the submission has no function {function}()"
GRADER_FAILED = "the grader failed on this check (please report it): {detail}"
NOT_IMPLEMENTED_CALL = "{function}() is not implemented yet"
# where a crash happened, appended in brackets to the learner's exception: the submission's own lines, outermost
# first, e.g. "line 40 in backprop -> line 22 of ex04_manual_backprop.py in sigmoid_prime: return s * (1 - s)"
CRASH_STEP = "line {line} in {function}"
CRASH_LAST = "line {line} of {file} in {function}"
CRASH_AT_IMPORT = "line {line} of {file} at import"
NO_SUBMISSION_LINE = "no line of {file} ran: {what}; the error was raised in {where}"
# autograder check: a failure an earlier failing function probably causes ("fails because sigmoid_prime is wrong")
LIKELY_BECAUSE = "likely because {reasons}: fix that first"
REASON_WRONG = "{names} {verb} wrong"
REASON_TODO = "{names} {verb} not implemented yet"

# ---------------------------------------------------------------------------------------------
# Learner text is data: whatever a submission controls (exception messages, exit codes, anything
# its process sends back) passes through learner_text before it is shown, on the child's side when
# the message is built and again on the trusted side, where a tampered child is not believed.
# ---------------------------------------------------------------------------------------------

MAX_LEARNER_TEXT = 2000  # characters of one piece of learner text (an exception message)
MAX_MESSAGE = 4096  # characters of a whole check message on the trusted side
LINE_BREAK = " // "  # what a line break in learner text becomes: one line, the break still visible
CUT = "... [{more} more characters not shown]"

# \n, \r\n, \r, vertical tab, form feed, NEL and the Unicode line/paragraph separators, with the
# blanks around them: each run becomes one LINE_BREAK, so a message cannot start a fresh line
_BREAKS = _re.compile(r"[ \t]*(?:\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029])[ \t\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]*")


def _escaped(char: str) -> str:
    code = ord(char)
    if code == 0x09:
        return " "  # a tab only moves the cursor right: a blank is its harmless equivalent
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"  # ESC (ANSI colours, cursor moves), BEL, backspace, C1 controls
    category = _unicodedata.category(char)
    if category in ("Cf", "Cs", "Co", "Cn") or category.startswith("Z") and char != " ":
        # bidi overrides and zero-width characters reorder or hide text; lone surrogates cannot be printed
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return char


def learner_text(text, limit: int = MAX_LEARNER_TEXT) -> str:
    """``text`` as one printable line: control characters escaped, line breaks folded, at most ``limit`` characters."""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # noqa: BLE001 - a hostile __str__ is a message we cannot show, not a crash
            text = f"<a {type(text).__name__} that cannot be shown as text>"
    total = len(text)
    # cut before escaping (escapes only lengthen), so a megabyte of text costs no more than a page
    text = _BREAKS.sub(LINE_BREAK, text[: limit * 2])
    text = "".join(char if " " <= char <= "~" else _escaped(char) for char in text)
    if len(text) > limit or total > limit * 2:
        shown = text[:limit]
        more = max(total - limit, len(text) - limit)
        text = shown + CUT.format(more=more)
    return text

# An entry of an Outcome's used_autodiff when the child's own detection cannot be trusted any more
# (its process rewriting the child's code is the sandbox's to say: autograder.sandbox.messages).
DETECTORS_REMOVED = "its process removed the grader's autodiff detectors"

# tape.gradient gives None, not 0, for a result that does not depend on the source.
UNCONNECTED_GRADIENT = ("Likely mistake: tape.gradient(p, x) returns None when p does not depend on x (a "
                        "constant polynomial); the derivative is then 0: return 0.0 for None, or pass "
                        "unconnected_gradients=tf.UnconnectedGradients.ZERO")
