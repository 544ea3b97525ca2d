"""Report: render a graded Report as text for people or as Gradescope's results.json."""

from __future__ import annotations

from autograder.records import Report


def _fmt(x: float) -> str:
    return f"{x:g}"


def render_text(report: Report, color: bool = False) -> str:
    green, red, dim, bold, reset = ("\033[32m", "\033[31m", "\033[2m", "\033[1m", "\033[0m") if color else ("",) * 5
    lines = []
    for problem in report.problems:
        lines.append(f"{red}! {problem}{reset}")
    for warning in report.meta.get("warnings", []):
        lines.append(f"{dim}sandbox: {warning}{reset}")
    for exercise, results in report.by_exercise().items():
        got = sum(r.score for r in results)
        total = sum(r.points for r in results)
        lines.append(f"{bold}{exercise}: {_fmt(got)}/{_fmt(total)} points{reset}")
        for r in results:
            mark = f"{green}PASS{reset}" if r.passed else (f"{red}FAIL{reset}" if r.score == 0 else f"{red}PART{reset}")
            lines.append(f"  {mark} {_fmt(r.score):>4}/{_fmt(r.points):<3} {r.name}")
            if r.message and not r.passed:
                lines.append(f"       {dim}{r.message}{reset}")
    lines.append(f"{bold}Total: {_fmt(report.score)}/{_fmt(report.max_score)} points{reset}")
    return "\n".join(lines)


def to_gradescope(report: Report) -> dict:
    """Gradescope's autograder results.json: score, max_score, execution_time and one test per check."""
    tests = []
    for number, r in enumerate(report.results, start=1):
        tests.append({
            "name": r.name,
            "number": str(number),
            "score": r.score,
            "max_score": r.points,
            "status": "passed" if r.passed else "failed",
            "output": r.message or "passed",
            "visibility": "visible",
        })
    result = {
        "score": round(report.score, 4),
        "max_score": round(report.max_score, 4),
        "execution_time": round(report.seconds, 2),
        "tests": tests,
    }
    if report.problems:
        result["output"] = "\n".join(report.problems)
    return result
