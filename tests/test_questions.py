"""Invalid answers are refused before anything is written, with a message naming the question."""

import subprocess
import sys
from pathlib import Path

import pytest

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


FLAG_OF_QUESTION = {
    "project_name": "--name",
    "package_name": "--package",
    "description": "--description",
    "author_name": "--author-name",
    "author_email": "--author-email",
    "orm": "--orm",
    "tasks": "--tasks",
}


@pytest.mark.parametrize(("question", "value", "message"), INVALID_ANSWERS, ids=IDS)
def test_asyncforge_new_refuses_invalid_answer_in_one_line(
    tmp_path: Path, question: str, value: str, message: str
) -> None:
    destination = tmp_path / "out"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "asyncforge"),
            "new",
            str(destination),
            FLAG_OF_QUESTION[question],
            value,
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )

    errors = [line for line in result.stderr.splitlines() if line.startswith("asyncforge:")]
    assert result.returncode == 1
    assert len(errors) == 1
    assert f"'{question}'" in errors[0]
    assert message in errors[0]
    assert "Traceback" not in result.stderr
    assert not destination.exists()
