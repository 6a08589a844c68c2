"""Where the reference pack of real texts is: named by a setting, never found from the code.

The reference pack (real gov.cn pages, the 2022 attachments, real texts on the SME tiers)
comes from public sources and stays outside the project: policywatch reads it, never
copies it. The replay serves its real pages from it and the benchmarks score and search
its texts; without it both run on the project's reconstructed pages alone and say so.

It lives in the store, the bottom layer, so that the crawler (the replay), the NLP stage
(the benchmarks) and the app resolve it the same way.
"""

from __future__ import annotations

import os
from pathlib import Path

from policywatch.store.errors import StoreError

REFERENCE_ENV = "POLICYWATCH_REFERENCE"
# Where a checkout finds the pack when nothing names it: ``../shared/reference`` seen from
# the folder the command runs in (a checkout beside ``shared/``).
DEFAULT_RELATIVE = Path("..") / "shared" / "reference"


class ReferenceMissing(StoreError):
    """A reference folder was named explicitly but does not exist."""


def resolve_reference(option: str | os.PathLike[str] | None = None) -> Path | None:
    """Return the reference pack folder, or ``None`` when there is none.

    ``option`` (a command's ``--reference``) wins, then ``$POLICYWATCH_REFERENCE``, then
    ``../shared/reference`` relative to the current directory when it exists. A folder
    named by the option or the variable must exist.

    >>> resolve_reference("/") == Path("/")
    True

    Raises:
        ReferenceMissing: the option or the variable names a folder that does not exist.
    """
    for named, origin in ((option, "--reference"), (os.environ.get(REFERENCE_ENV),
                                                    f"${REFERENCE_ENV}")):
        if named:
            path = Path(named).expanduser()
            if not path.is_dir():
                raise ReferenceMissing(f"reference folder {path} ({origin}) does not exist")
            return path.resolve()
    default = Path.cwd() / DEFAULT_RELATIVE
    return default.resolve() if default.is_dir() else None


def absent_note() -> str:
    """What output says where it runs without the pack.

    >>> absent_note().startswith("no reference pack")
    True
    """
    return (f"no reference pack (name it with --reference DIR or ${REFERENCE_ENV}; by default "
            f"{DEFAULT_RELATIVE.as_posix()} from the current folder)")


def reference_file(reference: Path, relative: str) -> Path:
    """The path of a file of the pack named relative to it (``texts/x.txt``).

    >>> reference_file(Path("/pack"), "texts/a.txt").as_posix()
    '/pack/texts/a.txt'

    Raises:
        FileNotFoundError: the name leaves the folder (``..``, an absolute path).
    """
    name = Path(relative)
    if name.is_absolute() or ".." in name.parts:
        raise FileNotFoundError(f"{relative}: not a path inside the reference folder")
    return reference / name
