"""Messages shown to students, as constants the tests import instead of retyping."""

NOT_IMPLEMENTED = "not implemented yet (the function raises NotImplementedError)"
USED_AUTODIFF = ("{function}() must compute the gradient by hand with the chain rule, but it used "
                 "automatic differentiation ({what}); no credit for this check")
NO_FILE = "no file named {exercise}.py or {exercise}.ipynb was submitted"
MISSING_FUNCTION = "the submission has no function {function}()"
GRADER_FAILED = "the grader failed on this check (please report it): {detail}"
