"""A dataset's description, read once: what ``park.yaml`` says, for planning a report.

:func:`describe_dataset` resolves the data folder and reads ``park.yaml`` once
(:func:`~parkanalysis.dataset.profile.read_profile_document`) into a :class:`Description`:
the parks and their names, the merged settings of each park (``profile``), the office files'
``sources:`` (how each file is read), the raw ``share:`` sections (checked by
:mod:`parkanalysis.share` before any kernel runs) and the findings of reading them. It is
immutable and passed down: ``render`` names the report, checks the share rules, keys the
cache and finds the office texts from it, and :func:`~parkanalysis.dataset.load_dataset`
takes it (``description=``) instead of reading ``park.yaml`` again.

>>> d = describe_dataset("data/sample")
>>> d.park_names, d.folder.name
({'GMY': '工贸园'}, 'sample')
>>> d.share_sections
(('', {'min_enterprises': 3}),)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from parkanalysis._io import resolve_data_folder
from parkanalysis.dataset.findings import Findings
from parkanalysis.dataset.profile import (
    PROFILE_FILE,
    Profile,
    ProfileDocument,
    profile_from_document,
    read_profile_document,
    strip_lines,
)
from parkanalysis.dataset.sources import Source, sources_from_document
from parkanalysis.errors import Finding


@dataclass(frozen=True)
class Description:
    """What a dataset folder's ``park.yaml`` says, read once (see the module docstring)."""

    #: The data folder, resolved once (:func:`parkanalysis._io.resolve_data_folder`).
    folder: Path
    #: Parks, their names and merged settings; None when park.yaml is unusable.
    profile: Profile | None
    #: ``sources:`` by file name (empty without the section).
    sources: Mapping[str, Source]
    #: Findings of reading park.yaml and its ``sources:`` (errors and warnings, in order).
    findings: tuple[Finding, ...]
    #: ``("", top-level share)`` and ``(park id, its share merged over the top)``, as written.
    share_sections: tuple[tuple[str, Any], ...] = ()
    #: park.yaml as read: file name and bytes (the data fingerprint hashes these bytes).
    document: ProfileDocument | None = field(default=None, repr=False)

    @property
    def park_names(self) -> dict[str, str]:
        """Park code → name (empty when park.yaml is unusable)."""
        if self.profile is None:
            return {}
        return {pid: info.name for pid, info in self.profile.parks.items()}

    def contents(self) -> dict[str, bytes]:
        """The bytes already read, by file name (:func:`parkanalysis._io.folder_fingerprint`)."""
        return {self.document.file: self.document.data} if self.document else {}


def describe_dataset(path: str | os.PathLike) -> Description:
    """Read a dataset folder's ``park.yaml`` once into a :class:`Description`.

    ``path`` is the folder (or its ``park.yaml``), resolved as the notebooks resolve it.
    Nothing is raised for a broken park.yaml: its findings are kept for the loader.
    """
    folder = resolve_data_folder(path)
    if folder.is_file() and folder.suffix.lower() in (".yaml", ".yml"):
        folder = folder.parent
    findings = Findings()
    document = read_profile_document(folder, findings) if folder.is_dir() else None
    profile = sources = None
    if document is not None:
        profile = profile_from_document(document, findings)
        sources = sources_from_document(document, folder, findings)
    errors, warnings = findings.finish()
    return Description(
        folder=folder,
        profile=profile,
        sources=MappingProxyType(dict(sources or {})),
        findings=(*errors, *warnings),
        share_sections=_share_sections(document),
        document=document,
    )


def _share_sections(document: ProfileDocument | None) -> tuple[tuple[str, Any], ...]:
    """The ``share:`` sections as written: the top level's, then each park's own merged over it."""
    doc = strip_lines(document.doc) if document is not None else None
    if not isinstance(doc, Mapping):
        return ()
    top = doc.get("config") if isinstance(doc.get("config"), Mapping) else {}
    top_share = top.get("share")
    out: list[tuple[str, Any]] = [("", top_share)]
    for park in doc.get("parks") or []:
        own = park.get("config") if isinstance(park, Mapping) else None
        if isinstance(own, Mapping) and isinstance(own.get("share"), Mapping):
            base = top_share if isinstance(top_share, Mapping) else {}
            out.append((str(park.get("park_id", "")), {**base, **own["share"]}))
    return tuple(out)


__all__ = ["PROFILE_FILE", "Description", "describe_dataset"]
