"""The base of every preset section, and field types the sections share."""
from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from cppn_motion.config import vocab


class Section(BaseModel):
    # strict: a string "8" is not silently taken as the number 8, a float is not an int.
    # Unknown keys are errors (a misspelt key must never be ignored).
    # allow_inf_nan=False: YAML's .nan/.inf are refused as "not a finite number" instead of
    # slipping through (NaN fails no range check) or being reported as out of range.
    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True, allow_inf_nan=False)


EasingName = Annotated[str, AfterValidator(lambda name: vocab.known("easing", name))]
