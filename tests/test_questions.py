"""Invalid answers are refused before anything is written, with a message naming the question."""

import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from asyncforge.cli import SHORT_FLAGS
from asyncforge.template import questions

from .helpers import asyncforge

INVALID_ANSWERS = [
    ("project_name", "Bad Name", "must be lowercase letters"),
    ("project_name", "1service", "start with a letter"),
    ("project_name", "service-", "not end with a dash"),
    ("project_name", "my--service", "two dashes"),
    ("package_name", "class", "is a Python keyword"),
    ("package_name", "my-service", "valid lowercase Python identifier"),
    ("package_name", "celery", "would shadow a module"),
    ("author_email", "not-an-email", "must be an email address"),
    ("author_name", "   ", "must not be empty"),
    ("description", 'say "hi"', "single line without double quotes"),
    ("orm", "mongo", "Invalid choice"),
    ("tasks", "rq", "Invalid choice"),
]
IDS = [f"{question}={value!r}" for question, value, _ in INVALID_ANSWERS]


@pytest.mark.parametrize(("question", "value", "message"), INVALID_ANSWERS, ids=IDS)
def test_copier_copy_refuses_invalid_answer(copie, question: str, value: str, message: str) -> None:
    result = copie.copy(extra_answers={question: value})

    assert result.exit_code != 0
    assert f"'{question}'" in str(result.exception)
    assert message in str(result.exception)


VALIDATED = [entry for entry in INVALID_ANSWERS if "Invalid choice" not in entry[2]]


@pytest.mark.parametrize(
    ("question", "value", "message"), VALIDATED, ids=[f"{q}={v!r}" for q, v, _ in VALIDATED]
)
def test_a_validator_message_fits_one_prompt_line(
    copie, question: str, value: str, message: str
) -> None:
    """An interactive prompt shows the message on one line and cuts it at the terminal's width."""
    result = copie.copy(extra_answers={question: value})

    shown = str(result.exception).split(f"'{question}':", 1)[-1].strip()
    assert message in shown
    assert len(shown) <= 72, shown


@pytest.mark.parametrize(("question", "value", "message"), INVALID_ANSWERS, ids=IDS)
def test_copier_command_line_refuses_invalid_data(
    template: Path, tmp_path: Path, question: str, value: str, message: str
) -> None:
    destination = tmp_path / "out"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "copier"),
            "copy",
            "--defaults",
            "--vcs-ref=HEAD",
            f"--data={question}={value}",
            str(template),
            str(destination),
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )

    assert result.returncode != 0
    assert f"'{question}'" in result.stderr
    assert message in result.stderr
    assert not destination.exists()


def test_valid_answers_render(copie) -> None:
    result = copie.copy(
        extra_answers={"project_name": "billing-api", "author_email": "ops@example.org"}
    )

    assert result.exit_code == 0, result.exception
    assert result.answers["package_name"] == "billing_api"
    assert (result.project_dir / "src" / "billing_api" / "main.py").is_file()


CHOICES = {q.name: q.choices for q in questions() if q.choices}
FREE_TEXT = [entry for entry in INVALID_ANSWERS if entry[0] not in CHOICES]
CHOICE = [entry for entry in INVALID_ANSWERS if entry[0] in CHOICES]


def flag_of(question: str) -> str:
    return SHORT_FLAGS.get(question, "--" + question.replace("_", "-"))


def asyncforge_new(template: Path, destination: Path, *args: str) -> CompletedProcess[str]:
    return asyncforge("new", str(destination), *args, template=template)


@pytest.mark.parametrize(
    ("question", "value", "message"), FREE_TEXT, ids=[f"{q}={v!r}" for q, v, _ in FREE_TEXT]
)
def test_asyncforge_new_refuses_invalid_answer_in_one_line(
    committed: Path, tmp_path: Path, question: str, value: str, message: str
) -> None:
    destination = tmp_path / "out"

    result = asyncforge_new(committed, destination, flag_of(question), value)

    errors = [line for line in result.stderr.splitlines() if line.startswith("asyncforge:")]
    assert result.returncode == 1
    assert len(errors) == 1
    assert f"'{question}'" in errors[0]
    assert message in errors[0]
    assert "Traceback" not in result.stderr
    assert not destination.exists()


@pytest.mark.parametrize(
    ("question", "value"), [(q, v) for q, v, _ in CHOICE], ids=[f"{q}={v!r}" for q, v, _ in CHOICE]
)
def test_asyncforge_new_refuses_an_invalid_choice_before_rendering_listing_the_values(
    committed: Path, tmp_path: Path, question: str, value: str
) -> None:
    destination = tmp_path / "out"

    result = asyncforge_new(committed, destination, flag_of(question), value)

    assert result.returncode == 2  # a usage error, caught before Copier runs
    assert f"Invalid value for '{flag_of(question)}'" in result.stderr
    assert f"{value!r} is not one of" in result.stderr
    assert all(f"'{choice}'" in result.stderr for choice in CHOICES[question])
    assert "Traceback" not in result.stderr
    assert not destination.exists()


def test_a_one_letter_project_name_is_accepted(copie) -> None:
    result = copie.copy(extra_answers={"project_name": "a"})

    assert result.exit_code == 0, result.exception
    assert result.answers["package_name"] == "a"
