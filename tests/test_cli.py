"""The `asyncforge` command as a user runs it: a subprocess with no terminal."""

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from asyncforge import __version__ as VERSION
from asyncforge.matrix import checks
from asyncforge.project import read_answers

from .helpers import BIN, ROOT, asyncforge, commit_all, committed_template, git


def answers_of(project: Path) -> dict[str, Any]:
    return read_answers(project)


def test_new_without_a_terminal_uses_flags_and_defaults(committed: Path, tmp_path: Path) -> None:
    destination = tmp_path / "orders"

    result = asyncforge(
        "new", str(destination), "--name", "orders", "--no-redis", template=committed
    )

    assert result.returncode == 0, result.stderr
    answers = answers_of(destination)
    assert answers["project_name"] == "orders"
    assert answers["package_name"] == "orders"
    assert answers["orm"] == "sqlalchemy"
    assert (destination / "src" / "orders" / "main.py").is_file()


@pytest.mark.parametrize(
    ("folder", "project", "package"),
    [("Orders_API", "orders-api", "orders_api"), ("2nd-shop.v2", "nd-shop-v2", "nd_shop_v2")],
    ids=["words", "digits-and-dots"],
)
def test_new_names_the_project_after_its_folder_and_says_what_next(
    committed: Path, tmp_path: Path, folder: str, project: str, package: str
) -> None:
    destination = tmp_path / folder

    result = asyncforge("new", str(destination), "--defaults", template=committed)

    assert result.returncode == 0, result.stderr
    assert (answers_of(destination)["project_name"], answers_of(destination)["package_name"]) == (
        project,
        package,
    )
    steps = [line for line in result.stdout.splitlines() if "#" in line]
    assert f"uv run uvicorn {package}.main:app --reload" in steps[0]
    assert len({line.index("#") for line in steps}) == 1, steps  # the comments in one column


def test_plain_copiers_next_steps_lock_the_tested_versions_in_one_column(tmp_path: Path) -> None:
    copied = subprocess.run(
        [str(BIN / "copier"), "copy", "--defaults", "--vcs-ref", "HEAD",
         "--data", "project_name=a-rather-long-service-name", str(ROOT), str(tmp_path / "svc")],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300, check=False,
    )  # fmt: skip

    assert copied.returncode == 0, copied.stderr
    said = copied.stdout + copied.stderr
    steps = [line for line in said.splitlines() if "   # " in line]
    assert "uv lock --exclude-newer " in steps[0]
    assert "uv run uvicorn a_rather_long_service_name.main:app --reload" in said
    assert len(steps) == 4
    assert len({line.index("   # ") for line in steps}) == 1, steps


def test_new_makes_a_first_commit_so_updates_can_merge(committed: Path, tmp_path: Path) -> None:
    destination = tmp_path / "svc"

    assert asyncforge("new", str(destination), "--defaults", template=committed).returncode == 0

    log = git(destination, "log", "--format=%s")
    assert log.strip() == "Create the service from the asyncforge template"
    assert git(destination, "status", "--porcelain") == ""
    assert "uv.lock" in git(destination, "ls-files").split()
    assert answers_of(destination)["_commit"] == "v1"


def test_new_refuses_an_invalid_answer_with_one_line(committed: Path, tmp_path: Path) -> None:
    destination = tmp_path / "bad"

    result = asyncforge("new", str(destination), "--name", "Bad Name", template=committed)

    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("asyncforge:")]
    assert len(errors) == 1
    assert "'project_name'" in errors[0]
    assert "Traceback" not in result.stderr
    assert not destination.exists()


def test_update_refuses_an_unknown_orm_as_an_invalid_value(tmp_path: Path) -> None:
    result = asyncforge("update", str(tmp_path), "--orm", "peewee")

    assert result.returncode == 2
    assert "Invalid value for '--orm'" in result.stderr
    assert "'sqlalchemy', 'tortoise'" in result.stderr
    assert "switching" not in result.stderr


def test_new_refuses_a_folder_that_is_not_empty(committed: Path, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")

    result = asyncforge("new", str(tmp_path), "--defaults", template=committed)

    assert result.returncode == 1
    assert "not empty" in result.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_new_refuses_a_template_with_uncommitted_changes_naming_them(tmp_path: Path) -> None:
    template = committed_template(tmp_path / "template")
    (template / "template" / "NOTES.md").write_text("draft\n")
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nDraft section.\n")
    destination = tmp_path / "svc"

    result = asyncforge("new", str(destination), "--defaults", template=template)

    assert result.returncode == 1
    assert "uncommitted changes" in result.stderr
    assert "template/NOTES.md" in result.stderr
    assert "template/README.md.jinja" in result.stderr
    assert "--allow-dirty" in result.stderr
    assert not destination.exists()


def test_allow_dirty_renders_the_working_tree_and_records_a_real_commit(tmp_path: Path) -> None:
    template = committed_template(tmp_path / "template")
    head = git(template, "rev-parse", "HEAD").strip()
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nDraft section.\n")
    destination = tmp_path / "svc"

    result = asyncforge("new", str(destination), "--defaults", "--allow-dirty", template=template)

    assert result.returncode == 0, result.stderr
    assert "uncommitted template changes" in result.stderr
    assert "Draft section." in (destination / "README.md").read_text()
    assert answers_of(destination)["_commit"] == head
    assert head in git(destination, "log", "--format=%B")
    git(template, "cat-file", "-e", f"{head}^{{commit}}")  # exists: later updates can merge


def test_new_records_the_templates_origin_so_teammates_can_update(tmp_path: Path) -> None:
    template = committed_template(tmp_path / "template")
    git(template, "remote", "add", "origin", "https://git.example.com/acme/asyncforge.git")
    destination = tmp_path / "svc"

    result = asyncforge("new", str(destination), "--defaults", template=template)

    assert result.returncode == 0, result.stderr
    assert answers_of(destination)["_src_path"] == "https://git.example.com/acme/asyncforge.git"
    assert "is not on origin yet" in result.stderr  # nothing was pushed to that remote


def test_a_clone_of_a_local_path_records_itself_with_a_warning(tmp_path: Path) -> None:
    """Its origin's tags and branches are not the ones the clone shows: `update --vcs-ref`
    would look for a ref in the wrong checkout."""
    upstream = committed_template(tmp_path / "upstream")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(upstream), str(clone)], check=True, timeout=60)
    destination = tmp_path / "svc"

    result = asyncforge("new", str(destination), "--defaults", template=clone)

    assert result.returncode == 0, result.stderr
    assert answers_of(destination)["_src_path"] == str(clone)
    assert f"its 'origin' is a local path ({upstream})" in result.stderr
    assert "works on this machine only" in result.stderr


def test_update_to_an_unknown_ref_names_the_releases_there(committed: Path, tmp_path: Path) -> None:
    destination = tmp_path / "svc"
    assert asyncforge("new", str(destination), "--defaults", template=committed).returncode == 0

    result = asyncforge("update", str(destination), "--vcs-ref", "v9.9", template=committed)

    assert result.returncode == 1
    assert "--vcs-ref v9.9 is not a tag, branch or commit" in result.stderr
    assert "release tags there: v1" in result.stderr


def test_an_update_from_a_template_without_tags_warns_once(tmp_path: Path) -> None:
    template = committed_template(tmp_path / "template")
    git(template, "tag", "--delete", "v1")
    destination = tmp_path / "svc"
    assert asyncforge("new", str(destination), "--defaults", template=template).returncode == 0
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA newer paragraph.\n")
    commit_all(template, "A newer template")

    result = asyncforge("update", str(destination), template=template)

    assert result.returncode == 0, result.stderr
    assert result.stderr.count("updating to the HEAD of the template at") == 1
    assert "it has no release tags" in result.stderr
    assert "No git tags found" not in result.stderr
    assert "A newer paragraph." in (destination / "README.md").read_text()


def test_new_warns_when_only_a_local_path_can_be_recorded(committed: Path, tmp_path: Path) -> None:
    destination = tmp_path / "svc"

    result = asyncforge("new", str(destination), "--defaults", template=committed)

    assert result.returncode == 0, result.stderr
    assert answers_of(destination)["_src_path"] == str(committed)
    assert "has no 'origin' remote" in result.stderr
    assert "works on this machine only" in result.stderr


def test_new_takes_a_template_source_and_records_it(committed: Path, tmp_path: Path) -> None:
    source = f"git+file://{committed}"
    destination = tmp_path / "svc"

    result = asyncforge("new", str(destination), "--defaults", "--template", source)

    assert result.returncode == 0, result.stderr
    answers = answers_of(destination)
    assert answers["_src_path"] == source
    assert answers["_commit"] == "v1"  # the latest release tag


def test_options_lists_every_question_with_its_values() -> None:
    result = asyncforge("options")

    assert result.returncode == 0
    for question in ("project_name", "package_name", "orm", "redis", "tasks", "prometheus", "auth"):
        assert question in result.stdout
    assert "sqlalchemy | tortoise" in result.stdout
    assert "background_tasks | celery" in result.stdout
    assert "python_versions" not in result.stdout
    assert "default: false" in result.stdout  # as copier.yml and answers files spell it
    assert "default: False" not in result.stdout


def test_help_pages_show_examples_and_choices() -> None:
    for command in ("new", "update", "matrix"):
        page = asyncforge(command, "--help").stdout
        assert "Examples:" in page
        assert f"asyncforge {command} " in page
    new_page, update_page = (asyncforge(c, "--help").stdout for c in ("new", "update"))
    assert "<sqlalchemy|tortoise>" in new_page
    assert "<background_tasks|celery>" in update_page
    assert "Usage: asyncforge new [OPTIONS] DESTINATION" in new_page
    assert "(default: sqlalchemy)" in new_page
    # An update keeps the project's answers: the template's defaults would mislead there.
    assert "(default: the project's" in update_page
    assert "(default: sqlalchemy)" not in update_page
    assert "(default: my-service)" not in update_page


def test_the_command_line_loads_copier_only_for_a_command_that_renders() -> None:
    """`asyncforge --help` and `options` answer without importing Copier and its prompt kit."""
    loaded = subprocess.run(
        [str(BIN / "python"), "-c",
         "import sys, asyncforge.cli; print(sorted({m.split('.')[0] for m in sys.modules}))"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip

    assert "'copier'" not in loaded
    assert "'rich'" not in loaded


def test_version_names_the_release_a_new_project_records(tmp_path: Path) -> None:
    template = committed_template(tmp_path / "template", tag="v0.9.0")
    readme = template / "template" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nAfter the release.\n")
    commit_all(template, "after the release")

    at_tag = asyncforge("version", template=committed_template(tmp_path / "t2", tag=f"v{VERSION}"))
    past_tag = asyncforge("version", template=template)

    untagged = asyncforge("version", template=committed_template(tmp_path / "t3", tag="x"))

    assert at_tag.stdout.strip() == f"asyncforge {VERSION}"
    assert past_tag.stdout.splitlines() == [
        f"asyncforge {VERSION}",
        "template v0.9.0 (the newest release, which new projects render; its HEAD is 1 commit "
        "past it (--vcs-ref HEAD))",
    ]
    assert untagged.stdout.startswith(f"asyncforge {VERSION}\ntemplate 0.0.0.post1.dev0+")
    assert "no release tags: new projects render its HEAD" in untagged.stdout


def test_a_question_added_to_copier_yml_becomes_a_flag_and_a_matrix_axis(tmp_path: Path) -> None:
    template = committed_template(tmp_path / "template")
    with (template / "copier.yml").open("a") as config:
        config.write("\nsentry:\n  type: bool\n  help: Report errors to Sentry?\n")
        config.write("  default: false\n")
    commit_all(template, "A new option")

    pages = [asyncforge(c, "--help", template=template).stdout for c in ("new", "update")]
    listed = asyncforge("matrix", "--list", "--json", template=template)

    for page in pages:
        assert "--sentry / --no-sentry" in page
        assert "Report errors to Sentry? [sentry]" in page
    runs = yaml.safe_load(listed.stdout)
    assert len({run["combination"] for run in runs}) == 64
    assert {"sentry=true", "sentry=false"} <= {
        part for run in runs for part in run["only"].split(",")
    }


def test_a_package_name_of_its_own_builds(committed: Path, tmp_path: Path) -> None:
    destination = tmp_path / "x"

    made = asyncforge(
        "new", str(destination), "--name", "ok-name", "--package", "shopsvc", template=committed
    )
    installed = checks.install(destination)

    assert made.returncode == 0, made.stderr
    assert (destination / "src" / "shopsvc" / "main.py").is_file()
    assert installed.ok, installed.tail()
