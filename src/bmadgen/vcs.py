"""The project folder as a git repository: commits of documents and code, history and diffs.

gitpython is imported lazily (it costs ~100 ms). Commits are made with a fixed bmadgen identity
unless the user's git config provides one, so a fresh machine with no git config still works.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bmadgen.errors import EnvironmentUnavailable, InvalidInput, NotFound

DEFAULT_AUTHOR = ("bmadgen", "bmadgen@localhost")


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    short: str
    message: str
    author: str
    timestamp: int


def _git():
    try:
        import git
    except ImportError as exc:  # gitpython without a git binary raises ImportError
        raise EnvironmentUnavailable(
            "git is not available", hint="install git (apt-get install git)"
        ) from exc
    return git


# A repository's own config can make git run a command (a project folder may come from someone
# else, with its .git): these are switched off on every git bmadgen runs ...
NEUTRALISED = ["core.fsmonitor=false", "core.hooksPath=/dev/null", "diff.external=",
               "core.pager=cat"]
# ... and a repository whose config names a command in any other way is refused.
_COMMAND_KEYS = ("filter.", "diff.", "merge.", "include.", "includeif.", "core.sshcommand",
                 "core.editor", "core.askpass", "credential.", "uploadpack.", "gpg.")


def _command_keys(repo) -> list[str]:
    """The keys of the repository's own .git/config that could make git run a command."""
    found = []
    try:
        reader = repo.config_reader("repository")
        for section in reader.sections():
            base = section.split(" ", 1)[0].lower()
            for option in reader.options(section):
                key = f"{base}.{option.lower()}"
                if base in ("include", "includeif") or key.startswith(_COMMAND_KEYS) and (
                        not key.startswith(("diff.", "merge.")) or option.lower() in (
                            "command", "textconv", "driver", "external", "tool")):
                    found.append(f"{section}.{option}")
    except Exception:  # noqa: BLE001 - gitpython raises many kinds for a broken config
        found.append("the file cannot be read as a git config")
    return found


def open_repo(folder: Path, *, create: bool = False):
    """The repository at `folder`; created (branch main) when `create` and it is not one yet.
    Its own config may not make git run commands (fsmonitor, hooks ... are switched off; a
    filter or diff driver, an include, an ssh command are refused)."""
    git = _git()
    folder = Path(folder)
    if (folder / ".git").exists():
        repo = git.Repo(folder)
        keys = _command_keys(repo)
        if keys:
            raise InvalidInput(
                f"{folder}/.git/config sets {', '.join(sorted(keys)[:5])}, which would make git "
                "run a command", hint="remove those keys from .git/config: bmadgen runs no command "
                "that a repository's config names")
        repo.git.set_persistent_git_options(c=NEUTRALISED)
        return repo
    if not create:
        from bmadgen.models import NextAction

        raise NotFound(f"{folder} is not a git repository", hint="create the project first",
                       action=NextAction(kind="create_project"))
    folder.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(folder, initial_branch="main")
    repo.git.set_persistent_git_options(c=NEUTRALISED)
    return repo


def _actor(repo):
    git = _git()
    reader = repo.config_reader()
    name = reader.get_value("user", "name", default=None) if reader.has_section("user") else None
    email = reader.get_value("user", "email", default=None) if reader.has_section("user") else None
    return git.Actor(name or DEFAULT_AUTHOR[0], email or DEFAULT_AUTHOR[1])


def commit(folder: Path, message: str, paths: list[str] | None = None, *, allow_empty=False) -> str | None:
    """Stage `paths` (relative to the repo; all changes when None) and commit them.

    Returns the new commit's sha, or None when nothing changed.
    """
    repo = open_repo(folder, create=True)
    if paths is None:
        repo.git.add(A=True)
    else:
        existing = [p for p in paths if (Path(folder) / p).exists()]
        removed = [p for p in paths if not (Path(folder) / p).exists()]
        if existing:
            repo.git.add("--", *existing)
        for p in removed:
            repo.git.rm("-r", "--cached", "--ignore-unmatch", "--quiet", "--", p)
    has_head = repo.head.is_valid()
    if has_head and not allow_empty and not repo.index.diff("HEAD"):
        return None
    if not has_head and not allow_empty and not list(repo.index.entries):
        return None
    actor = _actor(repo)
    new = repo.index.commit(message, author=actor, committer=actor, skip_hooks=True)
    return new.hexsha


def history(folder: Path, relpath: str, *, limit: int = 50) -> list[CommitInfo]:
    repo = open_repo(folder)
    if not repo.head.is_valid():
        return []
    out = []
    for c in repo.iter_commits(paths=relpath, max_count=limit):
        out.append(CommitInfo(c.hexsha, c.hexsha[:8], c.message.strip(), str(c.author),
                              int(c.committed_date)))
    return out


def file_at(folder: Path, relpath: str, rev: str = "HEAD") -> str:
    """The content of a file at a revision."""
    git = _git()
    repo = open_repo(folder)
    try:
        return repo.git.show(f"{rev}:{relpath}")
    except git.GitCommandError as exc:
        raise NotFound(f"{relpath} does not exist at revision {rev!r}") from exc


def diff(folder: Path, relpath: str, rev_a: str | None = None, rev_b: str | None = None) -> str:
    """Unified diff of one file: rev_a..rev_b; rev_a..working tree; or HEAD..working tree."""
    git = _git()
    repo = open_repo(folder)
    for rev in (rev_a, rev_b):
        if rev is not None and (rev.startswith("-") or not rev.strip()):
            raise InvalidInput(f"invalid revision {rev!r}")
    args = [a for a in (rev_a, rev_b) if a]
    try:
        return repo.git.diff("--no-ext-diff", "--no-textconv", *args, "--", relpath)
    except git.GitCommandError as exc:
        raise NotFound(f"cannot diff {relpath}: unknown revision in {args}") from exc


def head_sha(folder: Path) -> str | None:
    repo = open_repo(folder)
    return repo.head.commit.hexsha if repo.head.is_valid() else None
