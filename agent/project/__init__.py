"""The application layer (DESIGN.md §1): ``build_project(settings)`` → :class:`Project`."""

from .project import Project, build_project
from .segment import SegmentOptions

__all__ = ["Project", "SegmentOptions", "build_project"]
