"""What generation returns to the faces."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

# create: new file; update: the template changed a file the user had not touched;
# merged: both changed it and the 3-way merge was clean; conflict: both changed the same
# lines (markers written); unchanged: nothing to do; kept: the user changed it and the
# template did not, or it is no longer generated but holds the user's edits; delete: no longer
# generated and untouched.
FileAction = Literal["create", "update", "merged", "conflict", "unchanged", "kept", "delete"]
WRITING_ACTIONS = ("create", "update", "merged", "conflict")


class FileChange(BaseModel):
    path: str
    action: FileAction
    slice: str = Field(description="the feature slice the file belongs to; '' for the skeleton")


class GenerationResult(BaseModel):
    project_dir: str
    dry_run: bool
    stack: str
    slices: list[str] = Field(description="the slices this run rendered")
    changes: list[FileChange]
    written: list[str]
    unchanged: list[str]
    conflicted: list[str]
    deleted: list[str]
    kept: list[str]
    commit: str | None = None
    summary: str = ""


class SliceInfo(BaseModel):
    name: str
    title: str
    entities: list[str]
    routes: list[str]
    generated: bool = Field(description="its files exist in the pristine generated output")
    files: int
    modified: list[str] = Field(description="files the user changed since generation")


class SliceDiff(BaseModel):
    name: str
    files: list[str] = Field(description="files that differ from the pristine generated version")
    diff: str
